"""Drives `rlvr serve` with the official Tinker Python SDK and checks every answer.

Run by `npm run check:tinker-sdk` (scripts/checkTinkerSdk.ts), which starts the server and sets
TINKER_BASE_URL / TINKER_API_KEY. Exits non-zero on the first failed check.
"""
import math
import os
import sys

import tinker
from tinker import types

BASE_MODEL = os.environ["RLVR_BASE_MODEL"]
PROMPT = [int(t) for t in os.environ["RLVR_PROMPT_TOKENS"].split(",")]
ANSWER = [int(t) for t in os.environ["RLVR_ANSWER_TOKENS"].split(",")]


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        sys.exit(1)


service = tinker.ServiceClient()
caps = service.get_server_capabilities()
check(any(m.model_name == BASE_MODEL for m in caps.supported_models), f"capabilities list {BASE_MODEL}")
training = service.create_lora_training_client(base_model=BASE_MODEL, rank=8)
print("tinker", tinker.__version__, "model", training.model_id, flush=True)

seq = PROMPT + ANSWER
n = len(seq) - 1
weights = [0.0] * (len(PROMPT) - 1) + [1.0] * len(ANSWER)
sft = types.Datum(
    model_input=types.ModelInput.from_ints(seq[:-1]),
    loss_fn_inputs={"target_tokens": seq[1:], "weights": weights},
)
adam = types.AdamParams(learning_rate=1e-3)

# cross_entropy: the loss falls over a few steps, forward() agrees with forward_backward's logprobs
losses = []
for step in range(4):
    fwd = training.forward([sft], "cross_entropy").result()
    fb = training.forward_backward([sft], "cross_entropy").result()
    lp_fwd = fwd.loss_fn_outputs[0]["logprobs"].tolist()
    lp_fb = fb.loss_fn_outputs[0]["logprobs"].tolist()
    check(len(lp_fb) == n and max(abs(a - b) for a, b in zip(lp_fwd, lp_fb)) < 1e-5,
          f"cross_entropy step {step}: forward and forward_backward logprobs agree ({n} tokens)")
    loss = fb.metrics["loss:sum"]
    check(abs(loss - sum(-w * lp for w, lp in zip(weights, lp_fb))) < 1e-3 * max(1.0, abs(loss)),
          f"cross_entropy step {step}: loss:sum {loss:.4f} = -sum w*logprob")
    losses.append(loss)
    training.optim_step(adam).result()
print("cross_entropy losses", [round(x, 4) for x in losses])
check(losses[-1] < losses[0], "cross_entropy loss falls")

# sampling from the trained weights with seeds
sampler = training.save_weights_and_get_sampling_client()
prompt = types.ModelInput.from_ints(PROMPT)
params = types.SamplingParams(max_tokens=12, temperature=1.0, seed=1234)
a = sampler.sample(prompt, num_samples=3, sampling_params=params).result()
b = sampler.sample(prompt, num_samples=3, sampling_params=params).result()
check([s.tokens for s in a.sequences] == [s.tokens for s in b.sequences], "same seed, same tokens")
c = sampler.sample(prompt, num_samples=3, sampling_params=types.SamplingParams(max_tokens=12, temperature=1.0, seed=99)).result()
check([s.tokens for s in a.sequences] != [s.tokens for s in c.sequences], "another seed, other tokens")
check(all(len(s.logprobs) == len(s.tokens) for s in a.sequences), "one logprob per sampled token")

# greedy sample logprobs equal the prompt logprobs of prompt + sample (compute_logprobs)
greedy = sampler.sample(prompt, num_samples=1, sampling_params=types.SamplingParams(max_tokens=8, temperature=0.0)).result()
g = greedy.sequences[0]
scored = sampler.compute_logprobs(types.ModelInput.from_ints(PROMPT + g.tokens)).result()
check(scored[0] is None and len(scored) == len(PROMPT) + len(g.tokens), "compute_logprobs: one per token, the first None")
diff = max(abs(x - y) for x, y in zip(g.logprobs, scored[len(PROMPT):]))
check(diff < 1e-3, f"greedy sample logprobs equal prompt logprobs (max diff {diff:.2e})")
stop_tok = g.tokens[2]
stopped = sampler.sample(prompt, num_samples=1, sampling_params=types.SamplingParams(max_tokens=8, temperature=0.0, stop=[stop_tok])).result().sequences[0]
check(stopped.stop_reason == "stop" and stopped.tokens == g.tokens[: g.tokens.index(stop_tok) + 1], "stop token ends the sample")

# RL losses on the sampled answers: importance_sampling and ppo, loss:sum = sum of the formula
samples = sampler.sample(prompt, num_samples=4, sampling_params=types.SamplingParams(max_tokens=10, temperature=1.0, seed=7)).result().sequences
def rl_datums(advs):
    out = []
    for s, adv in zip(samples, advs):
        full = PROMPT + s.tokens
        k = len(PROMPT) - 1
        out.append(types.Datum(
            model_input=types.ModelInput.from_ints(full[:-1]),
            loss_fn_inputs={
                "target_tokens": full[1:],
                "logprobs": [0.0] * k + list(s.logprobs),
                "advantages": [0.0] * k + [adv] * len(s.tokens),
            },
        ))
    return out
advs = [1.0, -0.5, 0.25, -1.0]
for loss_fn, config in [
    ("importance_sampling", None),
    ("ppo", {"clip_low_threshold": 0.8, "clip_high_threshold": 1.2}),
    ("cispo", {"clip_low_threshold": 0.0, "clip_high_threshold": 4.0}),
]:
    data = rl_datums(advs)
    fb = training.forward_backward(data, loss_fn, loss_fn_config=config).result()
    expect = 0.0
    for d, out in zip(data, fb.loss_fn_outputs):
        lp = out["logprobs"].tolist()
        q = d.loss_fn_inputs["logprobs"].tolist()
        A = d.loss_fn_inputs["advantages"].tolist()
        for t in range(len(lp)):
            r = math.exp(lp[t] - q[t])
            if loss_fn == "importance_sampling":
                expect += -r * A[t]
            elif loss_fn == "ppo":
                expect += -min(r * A[t], min(max(r, 0.8), 1.2) * A[t])
            else:
                expect += -min(max(r, 0.0), 4.0) * A[t] * lp[t]
    got = fb.metrics["loss:sum"]
    check(abs(got - expect) < 1e-3 * max(1.0, abs(expect)), f"{loss_fn}: loss:sum {got:.5f} = formula {expect:.5f}")
    check(all(k.count(":") == 1 for k in fb.metrics), f"{loss_fn}: metric keys have one ':' ({sorted(fb.metrics)})")
    step = training.optim_step(adam).result()
    check("grad_norm:mean" in (step.metrics or {}), f"{loss_fn}: optim_step metrics {step.metrics}")

# the policy moved along the advantages: sum_i A_i * (logprob after - sampling logprob) of the samples
# rose (the samples share most tokens, so one sample's logprob alone can go either way)
after = training.forward(rl_datums(advs), "importance_sampling").result().loss_fn_outputs
gain = sum(
    A * (sum(out["logprobs"].tolist()[len(PROMPT) - 1:]) - sum(s.logprobs))
    for A, s, out in zip(advs, samples, after)
)
check(gain > 0, f"importance_sampling, ppo and cispo raised the advantage-weighted logprob of the samples (by {gain:.3f})")

# save_weights / save_weights_for_sampler paths; a sampling client from a saved tinker:// path
state = training.save_state("sdk-check").result()
check(state.path.startswith("tinker://") and "/weights/" in state.path, f"save_state -> {state.path}")
saved = training.save_weights_for_sampler("sdk-check-sampler").result()
check(saved.path.startswith("tinker://") and "/sampler_weights/" in saved.path, f"save_weights_for_sampler -> {saved.path}")
from_path = service.create_sampling_client(model_path=saved.path)
live = training.save_weights_and_get_sampling_client()
p1 = from_path.sample(prompt, num_samples=2, sampling_params=params).result()
p2 = live.sample(prompt, num_samples=2, sampling_params=params).result()
check([s.tokens for s in p1.sequences] == [s.tokens for s in p2.sequences], "sampling client from the saved path samples what the live weights sample")

# load_state into a new training client: same logprobs as the trained model
restored = service.create_training_client_from_state(state.path)
lp_a = training.forward([sft], "cross_entropy").result().loss_fn_outputs[0]["logprobs"].tolist()
lp_b = restored.forward([sft], "cross_entropy").result().loss_fn_outputs[0]["logprobs"].tolist()
check(max(abs(x - y) for x, y in zip(lp_a, lp_b)) < 1e-6, "create_training_client_from_state restores the weights")
info = training.get_info()
check(info.model_data.model_name == BASE_MODEL, f"get_info: {info.model_data.model_name}")
check(info.is_lora and info.lora_rank == 8, f"get_info: a LoRA of rank 8 (is_lora {info.is_lora}, lora_rank {info.lora_rank})")
print("all checks passed", flush=True)
