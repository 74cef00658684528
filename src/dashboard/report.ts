// `rlvr report`: one self-contained HTML file of a run or a folder of runs (reportData.ts gathers,
// pageHtml.ts inlines), and with `png` a PNG of each curve (pngExport.ts). The compare scripts write
// their table and report through writeCompareReport.
import { join } from "node:path";
import { writeFileAtomic } from "../core/atomicFile.js";
import { findChromium } from "./browser.js";
import { reportHtml } from "./pageHtml.js";
import { DEFAULT_PNG_SIZE, type PngSize, writePngs } from "./pngExport.js";
import { collectReport, type ReportData } from "./reportData.js";
import { COMPARE_TABLE_FILE } from "./runsDir.js";
import { writeCompareTable } from "./tables.js";

export interface ReportOptions {
  /** The HTML file to write. */
  out: string;
  /** A folder for PNG plots, or none. */
  png?: string;
  pngSize?: PngSize;
  title?: string;
}

export async function writeReport(
  path: string,
  o: ReportOptions,
): Promise<{ html: string; pngs: string[]; data: ReportData }> {
  const data = await collectReport(path, { title: o.title });
  const html = reportHtml(data);
  writeFileAtomic(o.out, html);
  const pngs = o.png ? await writePngs(html, o.png, o.pngSize ?? DEFAULT_PNG_SIZE) : [];
  return { html: o.out, pngs, data };
}

/**
 * A compare script's outputs in its --out folder: compare-table.json (the printed table), report.html
 * (the table with its runs' curves) and plots/<panel>.png (by default when Chromium is there).
 * Returns what it wrote, for the script to print.
 */
export async function writeCompareReport(
  out: string,
  table: { title: string; header: string[]; rows: string[][] },
  options: { png?: boolean } = {},
): Promise<string[]> {
  const written = [writeCompareTable(join(out, COMPARE_TABLE_FILE), table)];
  const png = (options.png ?? findChromium() !== null) ? join(out, "plots") : undefined;
  const r = await writeReport(out, { out: join(out, "report.html"), png, title: table.title.split(";")[0] });
  written.push(r.html, ...(png ? [`${png}/ (${r.pngs.length} PNG)`] : ["no Chromium: no PNG plots"]));
  return written;
}
