#!/usr/bin/env python3
"""PyTorch CPU peer of bench/qwenScale.ts: the Qwen2.5-0.5B shape with random weights (hidden 896,
24 layers, 14 query / 2 key-value heads, MLP 4864, vocabulary 151936, tied embeddings, q/k/v bias),
built from the layers of bench/pytorch_reference.py. One mode per process, so that its peak RSS is
its own:

  --mode full    forward + backward of SEQS x LEN tokens (micro-batches of --micro-batch-tokens,
                 gradients accumulated), then one AdamW step (torch.optim.AdamW); peak RSS
  --mode lora    the same with LoRA adapters (rank --lora-rank, alpha 32, all seven linear layers of
                 each decoder layer, A kaiming-uniform / B zero as PEFT) on frozen weights
  --mode sample  sampling tokens/s with a KV cache at batch 1 and batch 8 (prompt --prompt tokens,
                 --new-tokens new tokens, multinomial at temperature 1; one warm-up run each)

Prints one JSON line. OPENBLAS_CORETYPE (set by the caller from the CPU's flags, bench/openblas.ts)
is read by OpenBLAS when torch loads it; the value is printed.
"""

import argparse
import json
import math
import os
import resource
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_reference import Config, Qwen2, sample_once  # noqa: E402


class Qwen05B(Config):
    vocab = 151936
    d = 896
    layers = 24
    heads = 14
    kv_heads = 2
    mlp = 4864
    context = 512
    rope_theta = 1000000.0
    eps = 1e-6
    tie_word_embeddings = True


class LoraLinear(nn.Module):
    """PEFT's LoRA Linear: base(x) + (alpha/r) * B(A(x)), base frozen; A kaiming-uniform(a=sqrt 5), B = 0."""

    def __init__(self, base, r, alpha):
        super().__init__()
        self.base = base
        self.lora_A = nn.Linear(base.in_features, r, bias=False)
        self.lora_B = nn.Linear(r, base.out_features, bias=False)
        nn.init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))
        nn.init.zeros_(self.lora_B.weight)
        self.scaling = alpha / r

    def forward(self, x):
        return self.base(x) + self.lora_B(self.lora_A(x)) * self.scaling


def add_lora(model, r, alpha):
    for p in model.parameters():
        p.requires_grad_(False)
    for block in model.layers:
        for parent, names in ((block.self_attn, ("q_proj", "k_proj", "v_proj", "o_proj")),
                              (block.mlp, ("gate_proj", "up_proj", "down_proj"))):
            for name in names:
                setattr(parent, name, LoraLinear(getattr(parent, name), r, alpha))
    return [p for p in model.parameters() if p.requires_grad]


def rss_mb():
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / (1024 * 1024) if sys.platform == "darwin" else maxrss / 1024


def train_step(model, params, cfg, args):
    g = torch.Generator().manual_seed(1)
    tokens = torch.randint(0, cfg.vocab, (args.seqs, args.seq_len + 1), generator=g)
    rows = max(1, args.micro_batch_tokens // args.seq_len)
    opt = torch.optim.AdamW(params, lr=1e-4, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.0)
    out = {}
    for step in range(1, args.steps + 1):
        # torch's default between steps: the gradients are freed, not zeroed
        opt.zero_grad(set_to_none=True)
        t0 = time.perf_counter()
        c0 = time.process_time()
        for start in range(0, args.seqs, rows):
            chunk = tokens[start : start + rows]
            logits = model(chunk[:, :-1])
            # the mean over all SEQS x LEN tokens, accumulated over micro-batches
            loss = F.cross_entropy(logits.reshape(-1, cfg.vocab), chunk[:, 1:].reshape(-1), reduction="sum")
            (loss / (args.seqs * args.seq_len)).backward()
            del logits, loss
        t1 = time.perf_counter()
        c1 = time.process_time()
        opt.step()
        t2 = time.perf_counter()
        c2 = time.process_time()
        if step == 1:
            # process_time: CPU seconds of every thread of the process, whatever else loads the machine
            out.update({
                "fwd_bwd_s": round(t1 - t0, 2),
                "adamw_s": round(t2 - t1, 2),
                "step_s": round(t2 - t0, 2),
                "fwd_bwd_cpu_s": round(c1 - c0, 2),
                "adamw_cpu_s": round(c2 - c1, 2),
            })
        elif step == 2:
            # the second step: the AdamW state exists (no first-touch allocation of the moments)
            out.update({
                "step2_fwd_bwd_s": round(t1 - t0, 2),
                "step2_adamw_s": round(t2 - t1, 2),
                "step2_s": round(t2 - t0, 2),
            })
    return out


@torch.inference_mode()
def sampling(model, cfg, args):
    model.eval()
    gen = torch.Generator().manual_seed(2)
    out = {}
    for batch in (1, 8):
        sample_once(model, cfg, batch, args.prompt, args.new_tokens, gen)  # warm-up
        t0 = time.perf_counter()
        tokens = sample_once(model, cfg, batch, args.prompt, args.new_tokens, gen)
        out[f"sample_b{batch}_tokens_per_s"] = round(tokens.numel() / (time.perf_counter() - t0), 2)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mode", choices=["full", "lora", "sample"], required=True)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seqs", type=int, default=8)
    ap.add_argument("--seq-len", type=int, default=256)
    ap.add_argument("--micro-batch-tokens", type=int, default=256)
    ap.add_argument("--lora-rank", type=int, default=16)
    ap.add_argument("--prompt", type=int, default=64)
    ap.add_argument("--new-tokens", type=int, default=32)
    ap.add_argument("--steps", type=int, default=1, help="training steps; peak RSS is over all of them")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cfg = Qwen05B()
    t0 = time.perf_counter()
    model = Qwen2(cfg)
    n_params = sum(p.numel() for p in model.parameters())
    result = {"init_s": round(time.perf_counter() - t0, 1), "params": n_params}
    if args.mode == "sample":
        result.update(sampling(model, cfg, args))
    else:
        params = list(model.parameters())
        if args.mode == "lora":
            params = add_lora(model, args.lora_rank, 32)
            result["trained_params"] = sum(p.numel() for p in params)
        result.update(train_step(model, params, cfg, args))
    result.update(
        {
            "peak_rss_mb": round(rss_mb()),
            "torch_version": torch.__version__,
            "threads": args.threads,
            "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
        }
    )
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
