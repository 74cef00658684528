// The SFT warm-start corpus for the arith task (pure, seeded): chat-rendered prompt → completion
// pairs, the loss going on the completion only. Four kinds of documents, in exact shares:
//
// - "solution": the worked solution, `<think>{steps}</think>\boxed{v}<|im_end|>`;
// - "flawed-solution": the same with one plausible mistake — one intermediate value wrong (off by
//   1, 2 or 10, two digits swapped, or a product off by one factor), carried forward into the later
//   steps, so the final answer is wrong; this keeps the warm start deliberately imperfect;
// - "correction": the layer-2 correction query for a flawed attempt and a guide phrase, and as
//   completion the corrected solution (all steps redone, correctly) — so a latent self-correction
//   ability exists;
// - "confirmation": the same for a correct attempt, whose completion redoes the same correct steps
//   (so the model does not learn that a guide phrase means "change the answer").
import { Rng } from "../core/rng.js";
import {
  type ArithExpression,
  type ArithStep,
  arithProblems,
  formatSolution,
  type LevelWeight,
  parseExpression,
  solveSteps,
} from "./arith.js";
import { renderCompletion, renderPrompt } from "./chatTemplate.js";
import {
  CORRECTION_RENDERINGS,
  type CorrectionRendering,
  renderCorrectionCompletion,
  renderCorrectionQuery,
} from "./correctionPrompt.js";
import { PAPER_GUIDE_PHRASES, pickGuidePhrase, validateGuidePhrases } from "./guidePhrases.js";

export type SftExampleKind = "solution" | "flawed-solution" | "correction" | "confirmation";

export interface SftExample {
  prompt: string;
  completion: string;
  kind: SftExampleKind;
}

export interface SftCorpusOptions {
  count: number;
  seed: number;
  /** Share of flawed solutions among all documents (default 0.2). */
  mistakeShare?: number;
  /** Share of correction-query documents, corrections and confirmations together (default 0.12). */
  correctionShare?: number;
  /** Share of confirmations (correct attempts) among the correction-query documents (default 0.3). */
  confirmationShare?: number;
  /** Rendering of the correction queries; "both" alternates at random (default "both"). */
  correctionRendering?: CorrectionRendering | "both";
  guidePhrases?: readonly string[];
  mix?: readonly LevelWeight[];
  /** A system prompt for every document; none by default. */
  system?: string;
}

function checkShare(name: string, v: number): void {
  if (!(v >= 0 && v <= 1)) throw new Error(`sft corpus: ${name} must be in [0, 1], got ${v}`);
}

/** A plausible wrong value for a step (never the true one; non-negative when the true one is). */
export function plausibleMistake(rng: Rng, step: ArithStep): number {
  const v = step.value;
  const candidates = [v + 1, v - 1, v + 2, v - 2, v + 10, v - 10];
  const digits = String(Math.abs(v));
  if (digits.length >= 2) {
    const i = rng.int(0, digits.length - 2);
    const swapped = digits.slice(0, i) + digits[i + 1] + digits[i] + digits.slice(i + 2);
    candidates.push(Math.sign(v) * Number(swapped));
  }
  if (step.op === "*") candidates.push(v + step.left, v - step.left, v + step.right, v - step.right);
  const ok = candidates.filter((c) => c !== v && (v < 0 || c >= 0));
  return rng.pick(ok);
}

/** The steps with one mistake at a random step, carried forward; the final value is then wrong. */
export function flawedSteps(rng: Rng, e: ArithExpression): ArithStep[] {
  const correct = solveSteps(e);
  const at = rng.int(0, correct.length - 1);
  // Steps before `at` are right, so the step at `at` has the correct operands.
  return solveSteps(e, (i) => (i === at ? plausibleMistake(rng, correct[i]) : undefined));
}

export function generateSftCorpus(options: SftCorpusOptions): SftExample[] {
  const { count, seed } = options;
  const mistakeShare = options.mistakeShare ?? 0.2;
  const correctionShare = options.correctionShare ?? 0.12;
  const confirmationShare = options.confirmationShare ?? 0.3;
  checkShare("mistakeShare", mistakeShare);
  checkShare("correctionShare", correctionShare);
  checkShare("confirmationShare", confirmationShare);
  if (mistakeShare + correctionShare > 1)
    throw new Error("sft corpus: mistakeShare + correctionShare exceeds 1");
  const rendering = options.correctionRendering ?? "both";
  if (rendering !== "both" && !CORRECTION_RENDERINGS.includes(rendering)) {
    throw new Error(
      `sft corpus: correctionRendering must be continue-think, new-turn or both, got ${rendering}`,
    );
  }
  const pool = options.guidePhrases
    ? validateGuidePhrases(options.guidePhrases, "sft corpus: guidePhrases")
    : PAPER_GUIDE_PHRASES;

  const nCorrectionDocs = Math.round(count * correctionShare);
  const nConfirm = Math.round(nCorrectionDocs * confirmationShare);
  const nFlawed = Math.round(count * mistakeShare);
  const rng = Rng.derive(seed, 0x5f7);
  const kinds = rng.shuffle<SftExampleKind>([
    ...Array<SftExampleKind>(nConfirm).fill("confirmation"),
    ...Array<SftExampleKind>(nCorrectionDocs - nConfirm).fill("correction"),
    ...Array<SftExampleKind>(nFlawed).fill("flawed-solution"),
    ...Array<SftExampleKind>(Math.max(0, count - nCorrectionDocs - nFlawed)).fill("solution"),
  ]);
  const problems = arithProblems("train", count, seed, { mix: options.mix });
  const promptOptions = { system: options.system };

  return problems.map((problem, i) => {
    const kind = kinds[i];
    const docRng = Rng.derive(seed, 0x5f8, i);
    const e = parseExpression(problem.meta!.expression as string);
    const right = formatSolution(solveSteps(e));
    if (kind === "solution" || kind === "flawed-solution") {
      const s = kind === "solution" ? right : formatSolution(flawedSteps(docRng, e));
      return {
        kind,
        prompt: renderPrompt(problem.question, promptOptions),
        completion: renderCompletion(s.reasoning, s.answer),
      };
    }
    const attemptSolution = kind === "confirmation" ? right : formatSolution(flawedSteps(docRng, e));
    const attempt = renderCompletion(attemptSolution.reasoning, attemptSolution.answer);
    const r: CorrectionRendering = rendering === "both" ? docRng.pick(CORRECTION_RENDERINGS) : rendering;
    const guide = pickGuidePhrase(docRng, pool);
    return {
      kind,
      prompt: renderCorrectionQuery(problem.question, attempt, guide, {
        rendering: r,
        system: options.system,
      }),
      completion: renderCorrectionCompletion(right.reasoning, right.answer, r),
    };
  });
}
