// `rlvr eval`: held-out accuracy of a model (`--model DIR|default`) or of a run's checkpoint
// (`--checkpoint RUN_DIR` for its newest, or `RUN_DIR/checkpoints/step-N`) on a task split; `--two-turn`
// runs the two-turn self-correction evaluation (turn 2 = correction query with a guide phrase, or the
// intrinsic-correction instruction).
import type { Command } from "commander";
import { samplingDefaults } from "../../engine/generationConfig.js";
import { evaluateAccuracy } from "../../eval/accuracy.js";
import { evaluateTwoTurn, type TwoTurnGuide } from "../../eval/twoTurn.js";
import { CORRECTION_RENDERINGS, type CorrectionRendering } from "../../tasks/correctionPrompt.js";
import { PAPER_GUIDE_PHRASES } from "../../tasks/guidePhrases.js";
import { readRunConfig, resolveCheckpoint } from "../../run/runDirectory.js";
import { type Config, parseConfig } from "../../run/config.js";
import { openSamplingSession, type SessionSpec } from "../../run/session.js";
import { writeOut } from "../output.js";

interface EvalFlags {
  checkpoint?: string;
  model?: string;
  task?: string;
  split: "train" | "test";
  n: string;
  samples: string;
  temperature?: string;
  maxTokens: string;
  seed: string;
  json?: boolean;
  twoTurn?: boolean;
  guide: string;
  rendering?: string;
  engine?: string;
  baseUrl?: string;
  baseModel?: string;
  tokenizer?: string;
}

/** The engine of --engine and its flags; undefined without --engine. */
function engineOf(flags: EvalFlags): Config["engine"] | undefined {
  if (flags.engine === undefined) {
    for (const [flag, v] of [
      ["--base-url", flags.baseUrl],
      ["--base-model", flags.baseModel],
      ["--tokenizer", flags.tokenizer],
    ])
      if (v !== undefined) throw new Error(`eval: ${flag} needs --engine tinker or --engine openai`);
    return undefined;
  }
  const config = (engine: unknown) => parseConfig({ engine }, "command line").engine;
  if (flags.engine === "local") return config({ kind: "local" });
  if (!flags.baseUrl) throw new Error(`eval: --engine ${flags.engine} needs --base-url URL`);
  if (flags.engine === "tinker") {
    if (!flags.baseModel)
      throw new Error("eval: --engine tinker needs --base-model NAME (the server's base model)");
    return config({
      kind: "tinker",
      baseUrl: flags.baseUrl,
      baseModel: flags.baseModel,
    });
  }
  if (flags.engine === "openai") {
    if (!flags.model) throw new Error("eval: --engine openai needs --model NAME (the served model)");
    return config({ kind: "openai", baseUrl: flags.baseUrl, servedModel: flags.model });
  }
  throw new Error(`eval: --engine must be local, tinker or openai, got ${flags.engine}`);
}

function twoTurnGuide(guide: string): TwoTurnGuide {
  if (guide === "preset") return { kind: "pool", name: "preset", phrases: PAPER_GUIDE_PHRASES };
  if (guide === "intrinsic") return { kind: "intrinsic" };
  throw new Error(`eval: --guide must be preset or intrinsic, got ${guide}`);
}

function rendering(value: string): CorrectionRendering {
  if (!(CORRECTION_RENDERINGS as readonly string[]).includes(value))
    throw new Error(`eval: --rendering must be ${CORRECTION_RENDERINGS.join(" or ")}, got ${value}`);
  return value as CorrectionRendering;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`eval: ${flag} must be a positive integer, got ${value}`);
  return n;
}

export function registerEval(program: Command): void {
  program
    .command("eval")
    .description("evaluate held-out accuracy of a model or of a run's latest checkpoint")
    .option(
      "--checkpoint <dir>",
      "a run directory (evaluates its latest checkpoint) or one of its checkpoints/step-N",
    )
    .option(
      "--model <dir|id>",
      'model directory, Hugging Face Hub id (org/name[@revision]), or "default" for the shipped warm start',
    )
    .option("--task <name>", "task (default: the run's task with its options and prompt, else arith)")
    .option("--split <split>", "train or test", "test")
    .option("--n <count>", "number of problems", "200")
    .option("--samples <k>", "samples per problem (accuracy is their mean; pass@k is reported)", "1")
    .option(
      "--temperature <t>",
      "sampling temperature (0 = greedy); default: the model's generation_config.json (temperature, top_p, top_k when it samples), else 0",
    )
    .option("--max-tokens <n>", "completion token limit", "256")
    .option("--seed <s>", "sampling seed", "0")
    .option("--two-turn", "two-turn self-correction evaluation: Acc@t1, Acc@t2, Δ, Δi→c, Δc→i")
    .option(
      "--guide <pool>",
      "two-turn: turn-2 prompt, preset (the paper's guide phrases) or intrinsic",
      "preset",
    )
    .option(
      "--rendering <r>",
      "two-turn: continue-think or new-turn (default: the run's mgrpo.rendering, else continue-think)",
    )
    .option("--engine <kind>", "local, tinker (a Tinker server) or openai (an OpenAI-compatible server)")
    .option("--base-url <url>", "--engine tinker|openai: the server's URL")
    .option("--base-model <name>", "--engine tinker: the server's base model")
    .option(
      "--tokenizer <dir>",
      '--engine openai: the served model\'s tokenizer (a model directory, default "default")',
    )
    .option("--json", "print one JSON object")
    .action(async (flags: EvalFlags, command: Command) => {
      const engine = engineOf(flags);
      if (engine?.kind === "openai" && flags.checkpoint)
        throw new Error("eval: --engine openai samples the served model; --checkpoint does not apply");
      if (!flags.checkpoint && !flags.model)
        throw new Error("eval: give --checkpoint RUN_DIR or --model DIR|default");
      if (flags.checkpoint && flags.model)
        throw new Error(
          "eval: give either --checkpoint (a run's weights, with its model's tokenizer) or --model, not both",
        );
      if (flags.split !== "test" && flags.split !== "train")
        throw new Error(`eval: --split must be test or train`);
      // with --engine openai, --model names the served model and --tokenizer gives its tokenizer
      let model = engine?.kind === "openai" ? (flags.tokenizer ?? "default") : (flags.model ?? "default");
      let weights: string | undefined;
      let runConfig: Config | undefined;
      if (flags.checkpoint) {
        const { runDir, checkpoint } = resolveCheckpoint(flags.checkpoint);
        runConfig = readRunConfig(runDir);
        model = runConfig.model;
        weights = checkpoint.path;
      }
      const runRendering: CorrectionRendering | undefined = runConfig?.mgrpo.rendering;
      // The run's task (options, prompt) and engine unless --task names another task.
      const taskName = flags.task ?? runConfig?.task.name ?? "arith";
      const spec: SessionSpec = {
        model,
        engine: engine ?? runConfig?.engine ?? parseConfig({}, "eval").engine,
        reward: runConfig?.reward ?? { kind: "binary" },
        task:
          runConfig && runConfig.task.name === taskName
            ? runConfig.task
            : parseConfig({ task: { name: taskName } }, "--task").task,
      };
      flags.task = taskName;
      const guide = twoTurnGuide(flags.guide);
      const session = await openSamplingSession(spec, { weightsDir: weights });
      try {
        const n = positiveInt(flags.n, "--n");
        const problems = session.task.problems(flags.split, n, 0);
        // --temperature alone: plain sampling at it; neither: the model's own generation defaults
        const sampling = {
          ...(flags.temperature === undefined
            ? samplingDefaults(session.generationConfig)
            : { temperature: Number(flags.temperature), topK: -1, topP: 1 }),
          maxTokens: positiveInt(flags.maxTokens, "--max-tokens"),
          seed: Number(flags.seed),
          stopTokens: session.stopTokens,
        };
        if (flags.twoTurn) {
          const r = await evaluateTwoTurn(session.engine, session.tokenizer, session.task, problems, {
            renderPrompt: session.renderPrompt,
            modelChat: session.modelChat,
            samplesPerProblem: positiveInt(flags.samples, "--samples"),
            guide,
            rendering: rendering(flags.rendering ?? runRendering ?? "continue-think"),
            sampling,
          });
          const summary = {
            ...r.metrics,
            ...r.settings,
            task: flags.task,
            split: flags.split,
            model: weights ?? session.modelDir,
          };
          const m = r.metrics;
          writeOut(
            command,
            flags.json
              ? `${JSON.stringify(summary)}\n`
              : `${flags.task}/${flags.split} two-turn (${summary.guide}, ${summary.rendering}): ` +
                  `Acc@t1 ${pct(m.acc_t1)}, Acc@t2 ${pct(m.acc_t2)}, Δ ${pct(m.delta)}, ` +
                  `Δi→c ${pct(m.delta_i2c)}, Δc→i ${pct(m.delta_c2i)} on ${m.n} problems (${summary.model})\n`,
          );
          return;
        }
        const result = await evaluateAccuracy(session.engine, session.tokenizer, session.task, problems, {
          renderPrompt: session.renderPrompt,
          samplesPerProblem: positiveInt(flags.samples, "--samples"),
          sampling,
        });
        const summary = {
          n: result.n,
          accuracy: result.accuracy,
          samples_per_problem: result.samples_per_problem,
          ...result.pass_at_k,
          task: flags.task,
          split: flags.split,
          model: weights ?? session.modelDir,
          temperature: sampling.temperature,
          top_k: sampling.topK,
          top_p: sampling.topP,
        };
        writeOut(
          command,
          flags.json
            ? `${JSON.stringify(summary)}\n`
            : `${flags.task}/${flags.split}: accuracy ${(100 * result.accuracy).toFixed(1)}% on ${result.n} problems (${summary.model})\n`,
        );
      } finally {
        await session.close();
      }
    });
}
