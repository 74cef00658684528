// `rlvr config --print [train options]`: the resolved config as JSON (every default filled in).
// `rlvr config --validate FILE`: checks a config file (or a run directory's config.json).
import type { Command } from "commander";
import { loadConfigFile } from "../../run/config.js";
import { writeOut } from "../output.js";
import { addTrainOptions, resolveTrainConfig, type TrainFlags } from "../trainOptions.js";

interface ConfigFlags extends TrainFlags {
  print?: boolean;
  validate?: string;
}

export function registerConfig(program: Command): void {
  const cmd = program
    .command("config")
    .description("print the resolved configuration, or validate a config file")
    .option("--print", "print the resolved config as JSON (defaults < --config FILE < flags)")
    .option("--validate <file>", "check a JSON config file; exit 1 with the field at fault");
  addTrainOptions(cmd);
  cmd.addHelpText(
    "after",
    "\nExamples:\n  rlvr config --print --algo mgrpo --set loss.kl.coef=0\n  rlvr config --validate my-run.json",
  );
  cmd.action((flags: ConfigFlags, command: Command) => {
    if (flags.validate !== undefined && flags.print)
      throw new Error("config: give either --print or --validate FILE");
    if (flags.validate !== undefined) {
      loadConfigFile(flags.validate);
      writeOut(command, `${flags.validate}: valid\n`);
      return;
    }
    if (!flags.print) throw new Error("config: give --print or --validate FILE (see rlvr config --help)");
    const { config } = resolveTrainConfig(flags);
    writeOut(command, `${JSON.stringify(config, null, 2)}\n`);
  });
}
