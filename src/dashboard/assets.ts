// The page's files: uPlot's bundle and stylesheet from node_modules, and the page's own scripts and
// stylesheet from src/dashboard/assets/ (plain browser JavaScript, no build step). The dashboard serves
// them; the report inlines them.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../run/models.js";

const require = createRequire(import.meta.url);
const OWN = join(PACKAGE_ROOT, "src", "dashboard", "assets");

const FILES = {
  "uplot.js": () => require.resolve("uplot/dist/uPlot.iife.min.js"),
  "uplot.css": () => require.resolve("uplot/dist/uPlot.min.css"),
  "page.css": () => join(OWN, "page.css"),
  "charts.js": () => join(OWN, "charts.js"),
  "views.js": () => join(OWN, "views.js"),
  "dashboard.js": () => join(OWN, "dashboard.js"),
  "report.js": () => join(OWN, "report.js"),
} as const;

export type AssetName = keyof typeof FILES;

export function isAssetName(name: string): name is AssetName {
  return Object.hasOwn(FILES, name);
}

const cache = new Map<AssetName, string>();

/** The text of one of the page's files (read once). */
export function assetText(name: AssetName): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(FILES[name](), "utf8");
    cache.set(name, text);
  }
  return text;
}

export function contentType(name: AssetName): string {
  return name.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
}
