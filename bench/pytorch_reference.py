#!/usr/bin/env python3
"""PyTorch CPU peer of `npm run bench`: the same Qwen2-architecture model and measurements as
bench/localEngine.ts, so that the ratio comes from one run on one machine.

Model: token embedding, RMSNorm, rotate-half RoPE, grouped-query attention with q/k/v bias,
SiLU-gated MLP, final norm, untied LM head (as transformers' Qwen2ForCausalLM).
Measures (a) ms per training step (batch 16 x 128, forward + backward + AdamW; median after
warm-up), (b) sampling tokens/s with a KV cache (batch 16, prompt 64, 64 new tokens, multinomial
at temperature 1; new tokens over wall time including the prompt pass), (c) peak RSS.
Prints one JSON line: {train_step_ms, sample_tokens_per_s, peak_rss_mb, torch_version, threads}.

Run: OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/pytorch_reference.py [--threads N]
(install with scripts/install-pytorch.sh; without OpenBLAS, torch uses the reference BLAS.)
"""

import argparse
import json
import math
import os
import resource
import statistics
import sys
import time

# OpenBLAS reads its thread count when torch loads it, so set it before the import. One thread
# whatever --threads says: torch's own threads plus OpenBLAS's oversubscribe the cores (measured
# in docs/experiments/bench.md). The environment variable, when set, wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402


class Config:
    vocab = 64
    d = 256
    layers = 4
    heads = 4
    kv_heads = 4
    mlp = 1024
    context = 128
    rope_theta = 10000.0
    eps = 1e-6
    tie_word_embeddings = False

    @property
    def head_dim(self):
        return self.d // self.heads


class RMSNorm(nn.Module):
    # y = x / sqrt(mean(x^2) + eps) * w  (Zhang & Sennrich 2019)
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(cfg, positions):
    # theta_i = base^(-2i/d); rotate-half layout: cos/sin repeated over both halves (Su et al. 2021)
    inv_freq = 1.0 / (cfg.rope_theta ** (torch.arange(0, cfg.head_dim, 2, dtype=torch.float32) / cfg.head_dim))
    freqs = torch.outer(torch.arange(positions, dtype=torch.float32), inv_freq)
    emb = torch.cat([freqs, freqs], dim=-1)
    return emb.cos(), emb.sin()


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], dim=-1)


def apply_rope(x, cos, sin):
    # x: [B, H, T, D]; cos/sin: [T, D]
    return x * cos + rotate_half(x) * sin


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        hd = cfg.head_dim
        self.q_proj = nn.Linear(cfg.d, cfg.heads * hd, bias=True)
        self.k_proj = nn.Linear(cfg.d, cfg.kv_heads * hd, bias=True)
        self.v_proj = nn.Linear(cfg.d, cfg.kv_heads * hd, bias=True)
        self.o_proj = nn.Linear(cfg.heads * hd, cfg.d, bias=False)

    def forward(self, x, cos, sin, cache=None, pos=0):
        """x: [B, T, d]. With `cache` = (k_buf, v_buf) of shape [B, kvH, maxT, D], writes this
        step's keys/values at [pos, pos+T) and attends to [0, pos+T)."""
        cfg = self.cfg
        B, T, _ = x.shape
        hd = cfg.head_dim
        q = self.q_proj(x).view(B, T, cfg.heads, hd).transpose(1, 2)
        k = self.k_proj(x).view(B, T, cfg.kv_heads, hd).transpose(1, 2)
        v = self.v_proj(x).view(B, T, cfg.kv_heads, hd).transpose(1, 2)
        q = apply_rope(q, cos, sin)
        k = apply_rope(k, cos, sin)
        if cache is not None:
            k_buf, v_buf = cache
            k_buf[:, :, pos : pos + T] = k
            v_buf[:, :, pos : pos + T] = v
            k = k_buf[:, :, : pos + T]
            v = v_buf[:, :, : pos + T]
        rep = cfg.heads // cfg.kv_heads
        if rep > 1:
            k = k.repeat_interleave(rep, dim=1)
            v = v.repeat_interleave(rep, dim=1)
        # softmax(q k^T / sqrt(D) + causal mask) v  (Vaswani et al. 2017)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
        if T > 1:
            S = k.shape[2]
            mask = torch.ones(T, S, dtype=torch.bool).triu(S - T + 1)
            scores = scores.masked_fill(mask, float("-inf"))
        out = scores.softmax(-1) @ v
        return self.o_proj(out.transpose(1, 2).reshape(B, T, cfg.heads * hd))


class MLP(nn.Module):
    # down(silu(gate(x)) * up(x))  (Shazeer 2020, SwiGLU)
    def __init__(self, cfg):
        super().__init__()
        self.gate_proj = nn.Linear(cfg.d, cfg.mlp, bias=False)
        self.up_proj = nn.Linear(cfg.d, cfg.mlp, bias=False)
        self.down_proj = nn.Linear(cfg.mlp, cfg.d, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.input_layernorm = RMSNorm(cfg.d, cfg.eps)
        self.self_attn = Attention(cfg)
        self.post_attention_layernorm = RMSNorm(cfg.d, cfg.eps)
        self.mlp = MLP(cfg)

    def forward(self, x, cos, sin, cache=None, pos=0):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, cache, pos)
        return x + self.mlp(self.post_attention_layernorm(x))


class Qwen2(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.embed_tokens = nn.Embedding(cfg.vocab, cfg.d)
        self.layers = nn.ModuleList(Block(cfg) for _ in range(cfg.layers))
        self.norm = RMSNorm(cfg.d, cfg.eps)
        # tie_word_embeddings: the LM head is the embedding matrix (Qwen2.5-0.5B)
        self.lm_head = None if cfg.tie_word_embeddings else nn.Linear(cfg.d, cfg.vocab, bias=False)
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.normal_(p, std=0.02)
        cos, sin = rope_tables(cfg, cfg.context)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)

    def forward(self, tokens, caches=None, pos=0):
        T = tokens.shape[1]
        cos, sin = self.cos[pos : pos + T], self.sin[pos : pos + T]
        x = self.embed_tokens(tokens)
        for i, layer in enumerate(self.layers):
            x = layer(x, cos, sin, None if caches is None else caches[i], pos)
        h = self.norm(x)
        return F.linear(h, self.embed_tokens.weight) if self.lm_head is None else self.lm_head(h)


def measure_train(model, cfg, batch, warmup, steps):
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.0)
    g = torch.Generator().manual_seed(1)
    tokens = torch.randint(0, cfg.vocab, (batch, cfg.context + 1), generator=g)
    inputs, targets = tokens[:, :-1], tokens[:, 1:]
    times = []
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        logits = model(inputs)
        loss = F.cross_entropy(logits.reshape(-1, cfg.vocab), targets.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        dt = time.perf_counter() - t0
        if i >= warmup:
            times.append(dt)
    return statistics.median(times) * 1000


@torch.inference_mode()
def sample_once(model, cfg, batch, prompt_len, new_tokens, gen):
    prompt = torch.randint(0, cfg.vocab, (batch, prompt_len), generator=gen)
    total = prompt_len + new_tokens
    caches = [
        (torch.empty(batch, cfg.kv_heads, total, cfg.head_dim), torch.empty(batch, cfg.kv_heads, total, cfg.head_dim))
        for _ in range(cfg.layers)
    ]
    logits = model(prompt, caches, 0)[:, -1]
    out = []
    pos = prompt_len
    for step in range(new_tokens):
        probs = logits.softmax(-1)  # temperature 1
        nxt = torch.multinomial(probs, 1, generator=gen)
        out.append(nxt)
        if step + 1 < new_tokens:
            logits = model(nxt, caches, pos)[:, -1]
            pos += 1
    return torch.cat(out, dim=1)


def measure_sampling(model, cfg, batch, prompt_len, new_tokens, warmup, reps):
    gen = torch.Generator().manual_seed(2)
    model.eval()
    rates = []
    for i in range(warmup + reps):
        t0 = time.perf_counter()
        tokens = sample_once(model, cfg, batch, prompt_len, new_tokens, gen)
        dt = time.perf_counter() - t0
        assert tokens.shape == (batch, new_tokens)
        if i >= warmup:
            rates.append(batch * new_tokens / dt)
    return statistics.median(rates)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1)")
    ap.add_argument("--train-steps", type=int, default=10, help="timed training steps (median)")
    ap.add_argument("--train-warmup", type=int, default=3)
    ap.add_argument("--sample-reps", type=int, default=5, help="timed sampling runs (median)")
    ap.add_argument("--sample-warmup", type=int, default=1)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cfg = Config()
    model = Qwen2(cfg)
    train_ms = measure_train(model, cfg, 16, args.train_warmup, args.train_steps)
    tok_s = measure_sampling(model, cfg, 16, 64, 64, args.sample_warmup, args.sample_reps)
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_mb = maxrss / (1024 * 1024) if sys.platform == "darwin" else maxrss / 1024
    result = {
        "train_step_ms": round(train_ms, 1),
        "sample_tokens_per_s": round(tok_s, 1),
        "peak_rss_mb": round(rss_mb, 1),
        "torch_version": torch.__version__,
        "threads": args.threads,
    }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
