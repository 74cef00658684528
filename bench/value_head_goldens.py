#!/usr/bin/python3
"""Golden values for the PPO critic (src/engine/local/valueHead.ts), from plain PyTorch autograd on the
tiny-qwen2 fixture's decoder (bench/decoder_goldens.py's final_hidden, after transformers' modeling_qwen2):

- values v_t = s * (h_t . w + b) from the final hidden state h_t (after the final norm);
- the clipped value loss (PPO, Schulman et al. 2017, as OpenAI baselines' ppo2 clips the value):
  L = coef * sum_t w_t * 1/2 * max((V - R)^2, (V_old + clip(V - V_old, -eps, eps) - R)^2);
- the gradients of L with respect to the head (w, b) and to every trunk weight (the LM head is not on
  the value's path).

Old values are the reference values moved by +-0.5 or +-0.05, so that with eps = 0.2 some tokens take
the clipped branch of the max and others the unclipped one, none near a kink.

Writes test-data/tiny-qwen2/value_golden.json. Run: /usr/bin/python3 bench/value_head_goldens.py
"""

import json
import os
import struct
import sys

import torch

from decoder_goldens import ROOT, final_hidden

FIXTURE = os.path.join(ROOT, "tiny-qwen2")
SCALE = 3.0
CLIP = 0.2
COEF = 0.7
# trunk weights whose gradients the golden holds in full (every trunk gradient's norm is held too)
TRUNK = [
    "model.embed_tokens.weight",
    "model.layers.0.self_attn.q_proj.weight",
    "model.layers.0.self_attn.v_proj.bias",
    "model.layers.1.mlp.down_proj.weight",
    "model.norm.weight",
]


def read_safetensors(path):
    """F32 tensors of a safetensors file (format: github.com/huggingface/safetensors)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        assert e["dtype"] == "F32", name
        a, b = e["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[a:b]), dtype=torch.float32).reshape(e["shape"])
    return out


def g7(xs):
    """Floats to 7 significant digits (float32 precision) for the JSON file."""
    return [float(f"{x:.7g}") for x in xs]


def clipped_value_loss(V, R, V_old, eps):
    """Per-token 1/2 * max((V - R)^2, (V_old + clip(V - V_old, -eps, eps) - R)^2)."""
    clipped = V_old + torch.clamp(V - V_old, -eps, eps)
    return 0.5 * torch.maximum((V - R) ** 2, (clipped - R) ** 2)


def main():
    with open(os.path.join(FIXTURE, "config.json")) as f:
        cfg = json.load(f)
    p = {k: v.clone().requires_grad_(True) for k, v in read_safetensors(os.path.join(FIXTURE, "model.safetensors")).items()}
    gen = torch.Generator().manual_seed(2024)
    D = cfg["hidden_size"]
    w = (torch.randn(D, generator=gen) * 0.05).requires_grad_(True)
    b = torch.tensor([0.1], requires_grad=True)
    lengths = [7, 10]
    seqs = [torch.randint(0, cfg["vocab_size"], (n,), generator=gen) for n in lengths]
    values = []
    for ids in seqs:
        h = final_hidden(cfg, p, ids[None, :])[0]  # [T, D]
        values.append(SCALE * (h @ w + b))
    weights = [torch.tensor([0.0 if t < 2 else 0.1 + 0.05 * (t % 3) for t in range(n)]) for n in lengths]
    returns = [torch.tensor([1.0 if (t + i) % 3 == 0 else 0.0 for t in range(n)]) for i, n in enumerate(lengths)]
    shifts = [0.5, -0.5, 0.05, -0.05]
    old = [v.detach() + torch.tensor([shifts[(t + 2 * i) % 4] for t in range(v.shape[0])]) for i, v in enumerate(values)]
    per_token = [clipped_value_loss(v, r, o, CLIP) for v, r, o in zip(values, returns, old)]
    loss = COEF * sum((l * wt).sum() for l, wt in zip(per_token, weights))
    names = ["value_head.weight", "value_head.bias"] + [n for n in p if n != "lm_head.weight"]
    tensors = [w, b] + [p[n] for n in names[2:]]
    grads = dict(zip(names, torch.autograd.grad(loss, tensors)))
    # which branch of the max each token takes (the fixture must exercise both)
    took_clipped = [
        ((o + torch.clamp(v - o, -CLIP, CLIP) - r) ** 2 > (v - r) ** 2).tolist()
        for v, r, o in zip(values, returns, old)
    ]
    flat = [x for row in took_clipped for x in row]
    assert any(flat) and not all(flat), "the fixture should take both branches of the max"
    golden = {
        "description": (
            "Golden values from bench/value_head_goldens.py (PyTorch autograd on the tiny-qwen2 decoder): "
            "values v = scale*(h.w + b) of each datum's tokens, the clipped value loss "
            "coef*sum w*1/2*max((V-R)^2, (V_old + clip(V-V_old, -clip, clip) - R)^2) over both datums, "
            "its gradients for the head and the listed trunk weights, and every trunk gradient's L2 norm."
        ),
        "torch_version": torch.__version__,
        "scale": SCALE,
        "clip_range": CLIP,
        "coef": COEF,
        "value_head": {"weight": w.detach().tolist(), "bias": b.detach().tolist()},
        "datums": [
            {
                "input_tokens": ids.tolist(),
                "weights": wt.tolist(),
                "returns": r.tolist(),
                "old_values": o.tolist(),
            }
            for ids, wt, r, o in zip(seqs, weights, returns, old)
        ],
        "values": [v.detach().tolist() for v in values],
        "took_clipped": took_clipped,
        "loss": float(loss),
        "grads": {n: g7(grads[n].flatten().tolist()) for n in ["value_head.weight", "value_head.bias"] + TRUNK},
        "grad_norms": {n: float(g.norm()) for n, g in grads.items()},
    }
    with open(os.path.join(FIXTURE, "value_golden.json"), "w") as f:
        json.dump(golden, f, separators=(",", ":"))
        f.write("\n")
    print(f"value golden: loss {float(loss):.6f}, {sum(flat)}/{len(flat)} tokens clipped -> {FIXTURE}", file=sys.stderr)


if __name__ == "__main__":
    main()
