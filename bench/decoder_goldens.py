#!/usr/bin/python3
"""Golden logits for the engine's architecture tests, from a plain-PyTorch decoder written here after
transformers' modeling_qwen2 / modeling_qwen3 / modeling_llama (v4.5x) semantics:

- RMSNorm y = x * rsqrt(mean(x^2) + eps) * w, computed in float32;
- Qwen3: q_norm / k_norm (RMSNorm over head_dim) on each head of q and k, before RoPE; no q/k/v bias by
  default, o_proj bias = attention_bias (Llama too); Qwen2: q/k/v bias, no o_proj bias;
- RoPE rotate-half with inv_freq = 1 / base^(arange(0, d, 2) / d), scaled as rope_scaling says
  ("llama3": transformers' _compute_llama3_parameters, reproduced below);
- sliding window (Qwen2/Qwen3 with use_sliding_window): layers i >= max_window_layers mask key j from
  query i when i - j >= sliding_window (masking_utils.sliding_window_overlay);
- GQA by repeat_kv, softmax in float32, SiLU-gated MLP, final norm, tied or untied LM head.

Writes, for each tiny random config, DIR/config.json, DIR/model.safetensors (F32) and DIR/golden.json
({input_ids, logits [S][T][V], greedy: {prompt, tokens, logprobs}}) under test-data/.
Run: /usr/bin/python3 bench/decoder_goldens.py   (Debian: apt-get install python3-torch)
"""

import json
import math
import os
import struct
import sys

import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test-data")


def rms_norm(x, w, eps):
    x32 = x.float()
    return w * (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + eps))


def llama3_inv_freq(inv_freq, rs):
    # transformers.modeling_rope_utils._compute_llama3_parameters
    factor = rs["factor"]
    low_freq_factor = rs["low_freq_factor"]
    high_freq_factor = rs["high_freq_factor"]
    old_context_len = rs["original_max_position_embeddings"]
    low_freq_wavelen = old_context_len / low_freq_factor
    high_freq_wavelen = old_context_len / high_freq_factor
    wavelen = 2 * math.pi / inv_freq
    inv_freq_llama = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    smooth_factor = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
    smoothed_inv_freq = (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama
    is_medium_freq = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
    return torch.where(is_medium_freq, smoothed_inv_freq, inv_freq_llama)


def inv_freq_of(cfg, head_dim):
    base = cfg.get("rope_theta", 10000.0)
    inv_freq = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float() / head_dim))
    rs = cfg.get("rope_scaling")
    if rs:
        kind = rs.get("rope_type", rs.get("type"))
        if kind == "llama3":
            inv_freq = llama3_inv_freq(inv_freq, rs)
        elif kind == "linear":
            inv_freq = inv_freq / rs["factor"]
        elif kind != "default":
            raise ValueError(kind)
    return inv_freq


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2 :]
    return torch.cat((-x2, x1), dim=-1)


def head_dim_of(cfg):
    if cfg.get("head_dim"):
        return cfg["head_dim"]
    return 128 if cfg["model_type"] == "qwen3" else cfg["hidden_size"] // cfg["num_attention_heads"]


def sliding_layers(cfg):
    if cfg["model_type"] == "llama" or not cfg.get("use_sliding_window"):
        return set()
    first = cfg.get("max_window_layers", 28)
    return {i for i in range(cfg["num_hidden_layers"]) if i >= first}


def final_hidden(cfg, p, ids):
    """The decoder's final hidden states [B, T, D] (after the final norm) of token ids [B, T] at positions 0..T-1."""
    B, T = ids.shape
    H = cfg["num_attention_heads"]
    KV = cfg.get("num_key_value_heads", H)
    d = head_dim_of(cfg)
    eps = cfg.get("rms_norm_eps", 1e-6)
    mt = cfg["model_type"]
    qkv_bias = mt == "qwen2" or cfg.get("attention_bias", False)
    o_bias = mt != "qwen2" and cfg.get("attention_bias", False)
    inv_freq = inv_freq_of(cfg, d)
    pos = torch.arange(T, dtype=torch.float32)
    freqs = pos[:, None] * inv_freq[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()  # [T, d]
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    q_idx = torch.arange(T)[:, None]
    kv_idx = torch.arange(T)[None, :]
    windowed = causal & (kv_idx > q_idx - cfg.get("sliding_window", 4096))
    windows = sliding_layers(cfg)
    x = p["model.embed_tokens.weight"][ids]
    for layer in range(cfg["num_hidden_layers"]):
        pre = f"model.layers.{layer}."
        n1 = rms_norm(x, p[pre + "input_layernorm.weight"], eps)

        def proj(name, h=n1, bias=qkv_bias):
            y = h @ p[pre + f"self_attn.{name}.weight"].T
            return y + p[pre + f"self_attn.{name}.bias"] if bias else y

        q = proj("q_proj").view(B, T, H, d)
        k = proj("k_proj").view(B, T, KV, d)
        v = proj("v_proj").view(B, T, KV, d)
        if mt == "qwen3":
            q = rms_norm(q, p[pre + "self_attn.q_norm.weight"], eps)
            k = rms_norm(k, p[pre + "self_attn.k_norm.weight"], eps)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)  # [B, heads, T, d]
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(H // KV, dim=1)
        v = v.repeat_interleave(H // KV, dim=1)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(d)
        allowed = windowed if layer in windows else causal
        scores = scores.masked_fill(~allowed, float("-inf"))
        attn = torch.softmax(scores.float(), dim=-1) @ v
        attn = attn.transpose(1, 2).reshape(B, T, H * d)
        o = attn @ p[pre + "self_attn.o_proj.weight"].T
        if o_bias:
            o = o + p[pre + "self_attn.o_proj.bias"]
        x = x + o
        n2 = rms_norm(x, p[pre + "post_attention_layernorm.weight"], eps)
        gate = n2 @ p[pre + "mlp.gate_proj.weight"].T
        up = n2 @ p[pre + "mlp.up_proj.weight"].T
        x = x + (torch.nn.functional.silu(gate) * up) @ p[pre + "mlp.down_proj.weight"].T
    return rms_norm(x, p["model.norm.weight"], eps)


def forward(cfg, p, ids):
    """Logits [B, T, V] of token ids [B, T] at positions 0..T-1."""
    head = p["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings", False) else p["lm_head.weight"]
    return final_hidden(cfg, p, ids) @ head.T


def init_params(cfg, gen):
    """Random weights: N(0, std^2) matrices, biases N(0, 0.1^2), norm weights 1 + N(0, 0.1^2)."""
    D = cfg["hidden_size"]
    H = cfg["num_attention_heads"]
    KV = cfg.get("num_key_value_heads", H)
    d = head_dim_of(cfg)
    inter = cfg["intermediate_size"]
    V = cfg["vocab_size"]
    mt = cfg["model_type"]
    qkv_bias = mt == "qwen2" or cfg.get("attention_bias", False)
    o_bias = mt != "qwen2" and cfg.get("attention_bias", False)
    std = 0.15

    def mat(*shape):
        return torch.randn(*shape, generator=gen) * std

    def norm(n):
        return 1 + 0.1 * torch.randn(n, generator=gen)

    p = {"model.embed_tokens.weight": torch.randn(V, D, generator=gen)}
    for layer in range(cfg["num_hidden_layers"]):
        pre = f"model.layers.{layer}."
        p[pre + "input_layernorm.weight"] = norm(D)
        p[pre + "self_attn.q_proj.weight"] = mat(H * d, D)
        p[pre + "self_attn.k_proj.weight"] = mat(KV * d, D)
        p[pre + "self_attn.v_proj.weight"] = mat(KV * d, D)
        if qkv_bias:
            for name, n in (("q_proj", H * d), ("k_proj", KV * d), ("v_proj", KV * d)):
                p[pre + f"self_attn.{name}.bias"] = 0.1 * torch.randn(n, generator=gen)
        if mt == "qwen3":
            p[pre + "self_attn.q_norm.weight"] = norm(d)
            p[pre + "self_attn.k_norm.weight"] = norm(d)
        p[pre + "self_attn.o_proj.weight"] = mat(D, H * d)
        if o_bias:
            p[pre + "self_attn.o_proj.bias"] = 0.1 * torch.randn(D, generator=gen)
        p[pre + "post_attention_layernorm.weight"] = norm(D)
        p[pre + "mlp.gate_proj.weight"] = mat(inter, D)
        p[pre + "mlp.up_proj.weight"] = mat(inter, D)
        p[pre + "mlp.down_proj.weight"] = mat(D, inter)
    p["model.norm.weight"] = norm(D)
    if not cfg.get("tie_word_embeddings", False):
        p["lm_head.weight"] = mat(V, D) * 2
    return p


def write_safetensors(path, tensors):
    """F32 safetensors (format: github.com/huggingface/safetensors), tensors sorted by name."""
    header = {"__metadata__": {"format": "pt"}}
    offset = 0
    names = sorted(tensors)
    for name in names:
        n = tensors[name].numel() * 4
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + n]}
        offset += n
    blob = json.dumps(header, separators=(",", ":")).encode()
    blob += b" " * (-len(blob) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for name in names:
            f.write(tensors[name].contiguous().float().numpy().tobytes())


def greedy(cfg, p, prompt, n):
    """n greedy tokens after `prompt`, each with its logprob, by re-running the whole sequence."""
    seq = list(prompt)
    tokens, logprobs = [], []
    for _ in range(n):
        logits = forward(cfg, p, torch.tensor([seq]))[0, -1]
        lp = torch.log_softmax(logits.double(), dim=-1)
        t = int(torch.argmax(logits))
        top2 = torch.topk(logits, 2).values
        assert top2[0] - top2[1] > 1e-3, "greedy choice too close to call; change the seed"
        tokens.append(t)
        logprobs.append(float(lp[t]))
        seq.append(t)
    return tokens, logprobs


CONFIGS = {
    "tiny-qwen3": {
        "architectures": ["Qwen3ForCausalLM"],
        "model_type": "qwen3",
        "vocab_size": 64,
        "hidden_size": 32,
        "intermediate_size": 48,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "head_dim": 16,
        "rms_norm_eps": 1e-6,
        "rope_theta": 1000000.0,
        "max_position_embeddings": 64,
        "tie_word_embeddings": True,
        "attention_bias": False,
        "use_sliding_window": False,
        "hidden_act": "silu",
        "torch_dtype": "float32",
    },
    "tiny-llama3": {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "vocab_size": 64,
        "hidden_size": 32,
        "intermediate_size": 48,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 1,
        "head_dim": 16,
        "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0,
        # small original context so that all three frequency bands occur at head_dim 16
        "rope_scaling": {
            "rope_type": "llama3",
            "factor": 8.0,
            "low_freq_factor": 1.0,
            "high_freq_factor": 4.0,
            "original_max_position_embeddings": 64,
        },
        "max_position_embeddings": 512,
        "tie_word_embeddings": False,
        "attention_bias": True,
        "mlp_bias": False,
        "hidden_act": "silu",
        "torch_dtype": "float32",
    },
    "tiny-qwen2-sliding": {
        "architectures": ["Qwen2ForCausalLM"],
        "model_type": "qwen2",
        "vocab_size": 64,
        "hidden_size": 32,
        "intermediate_size": 48,
        "num_hidden_layers": 3,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "rms_norm_eps": 1e-6,
        "rope_theta": 10000.0,
        "max_position_embeddings": 64,
        "tie_word_embeddings": False,
        "use_sliding_window": True,
        "sliding_window": 4,
        "max_window_layers": 1,
        "hidden_act": "silu",
        "torch_dtype": "float32",
    },
}


def main():
    torch.manual_seed(0)
    for i, (name, cfg) in enumerate(CONFIGS.items()):
        gen = torch.Generator().manual_seed(1000 + i)
        p = init_params(cfg, gen)
        ids = torch.randint(0, cfg["vocab_size"], (2, 12), generator=gen)
        with torch.no_grad():
            logits = forward(cfg, p, ids)
            prompt = ids[0, :5].tolist()
            tokens, logprobs = greedy(cfg, p, prompt, 8)
        out = os.path.join(ROOT, name)
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "config.json"), "w") as f:
            json.dump(cfg, f, indent=1)
            f.write("\n")
        write_safetensors(os.path.join(out, "model.safetensors"), p)
        golden = {
            "description": (
                "Golden values from bench/decoder_goldens.py (plain PyTorch after transformers' "
                f"modeling_{cfg['model_type']}): logits [S][T][V] of input_ids at positions 0..T-1, and "
                "8 greedy tokens after `prompt` with their logprobs."
            ),
            "torch_version": torch.__version__,
            "input_ids": ids.tolist(),
            "logits": [[[round(float(x), 6) for x in row] for row in seq] for seq in logits],
            "greedy": {"prompt": prompt, "tokens": tokens, "logprobs": logprobs},
        }
        with open(os.path.join(out, "golden.json"), "w") as f:
            json.dump(golden, f, separators=(",", ":"))
            f.write("\n")
        print(f"{name}: {sum(t.numel() for t in p.values())} parameters -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
