// Tinker's LoraConfig {rank, seed, train_attn, train_mlp, train_unembed} and the local engine's LoRA
// (local/lora.ts: rank, α, target modules). Tinker adapts whole groups of a decoder layer: train_attn
// the attention projections (q, k, v, o), train_mlp the MLP's (gate, up, down), train_unembed the
// unembedding, which the local engine's LoRA does not adapt. α is not in the API: SkyRL's open-source
// Tinker server fixes it at 32 (the hosted service's is not published), and `rlvr serve` does the same.
import { LORA_TARGET_MODULES, type LoraTargetModule } from "../../core/choices.js";

/** The α of a LoRA trained through the Tinker API (SkyRL's fixed value; rlvr serve's). */
export const TINKER_LORA_ALPHA = 32;

const ATTENTION: readonly LoraTargetModule[] = ["q_proj", "k_proj", "v_proj", "o_proj"];
const MLP: readonly LoraTargetModule[] = ["gate_proj", "up_proj", "down_proj"];

/** The wire LoraConfig (JSON, as create_model takes it). */
export interface TinkerLoraConfig {
  rank: number;
  seed?: number;
  train_attn: boolean;
  train_mlp: boolean;
  train_unembed: boolean;
}

/**
 * The LoraConfig that adapts `targetModules` (whole groups only: all four attention projections, all
 * three MLP ones, or both) with rank `rank` (0: full fine-tuning, where the server offers it, as
 * rlvr serve and SkyRL do). The unembedding is never asked for (the local engine's LoRA has none).
 */
export function tinkerLoraConfig(
  rank: number,
  targetModules: readonly LoraTargetModule[] = LORA_TARGET_MODULES,
  seed?: number,
): TinkerLoraConfig {
  const has = (group: readonly LoraTargetModule[]) => group.every((m) => targetModules.includes(m));
  const partial = (group: readonly LoraTargetModule[]) =>
    !has(group) && group.some((m) => targetModules.includes(m));
  if (partial(ATTENTION) || partial(MLP) || targetModules.length === 0)
    throw new Error(
      `lora.targetModules ${JSON.stringify(targetModules)}: the Tinker API adapts whole groups (${ATTENTION.join(", ")}; ${MLP.join(", ")})`,
    );
  return {
    rank,
    ...(seed === undefined ? {} : { seed }),
    train_attn: has(ATTENTION),
    train_mlp: has(MLP),
    train_unembed: false,
  };
}

/** The target modules of a wire LoraConfig's train_attn / train_mlp (train_unembed is not one). */
export function loraTargetModules(c: { train_attn?: boolean; train_mlp?: boolean }): LoraTargetModule[] {
  return [...(c.train_attn !== false ? ATTENTION : []), ...(c.train_mlp !== false ? MLP : [])];
}
