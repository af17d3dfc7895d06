"""Float64 numpy reference of the forward pass of Hugging Face transformers'
LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM and Qwen3ForCausalLM.

Written from a reading of transformers' modeling_{llama,mistral,qwen2,qwen3}.py, the families'
configuration_*.py, modeling_rope_utils.py and masking_utils.py (the facts, not the code):

  decoder layer   h = h + o_proj(attn(input_layernorm(h))); h = h + mlp(post_attention_layernorm(h))
  RMSNorm         weight * (x * rsqrt(mean(x^2, -1) + eps))                (eps inside the root)
  MLP (SwiGLU)    down_proj(silu(gate_proj(x)) * up_proj(x)), silu(z) = z * sigmoid(z)
  RoPE            inv_freq[i] = 1 / theta^(2i/d), i < d/2 (d = head_dim); angle = pos * inv_freq;
                  cos/sin of cat(angle, angle); x' = x*cos + rotate_half(x)*sin with
                  rotate_half(x) = cat(-x[d/2:], x[:d/2]): element i pairs with i + d/2
  llama3 scaling  see llama3_inv_freq
  attention       scores = q k^T * head_dim^-0.5 (+ mask), softmax, @ v; grouped-query: key/value
                  head j serves query heads j*g .. j*g+g-1 (repeat_kv, g = heads / kv_heads)
  causal mask     query at position p sees key positions kv <= p, and with a sliding window W also
                  only kv > p - W (W keys including itself)
  qwen3           per-head RMSNorm q_norm / k_norm over head_dim, after the projection, before RoPE
  biases          qwen2: q/k/v always, o never; llama: attention_bias on q/k/v/o, mlp_bias on all
                  three MLP projections; qwen3: attention_bias on q/k/v/o; mistral: none
  lm head         logits = final_norm(h) @ W^T, W = lm_head.weight, or embed_tokens.weight when
                  tie_word_embeddings (the checkpoint then holds no lm_head.weight)

Precision: everything here is float64. transformers run in float64 is NOT entirely float64: its
RMSNorm casts the input to float32 for the normalisation (hidden.to(float32) ... .to(input_dtype)),
the rotary embedding builds inv_freq in float32 (arange(...).float()) and computes cos/sin under
autocast-disabled float32, and eager attention's softmax runs with dtype=float32. So a stock
float64 transformers forward differs from this reference by ~1e-6 relative (float32 rounding), not
~1e-15; with those three places patched to float64 (hfref_transformers.py --exact does) the two
agree to ~1e-12. Where it matters for a float32 implementation: mean(x^2) should be accumulated in
float32 or better, and positions * inv_freq must be formed before the cos/sin (not by angle
addition), as transformers does.
"""

import json
import math
import os

import numpy as np

import st_io

FAMILIES = ("llama", "mistral", "qwen2", "qwen3")


class Config:
    """The subset of a Hugging Face config.json that the forward pass depends on."""

    def __init__(self, d):
        self.raw = d
        self.model_type = d.get("model_type")
        if self.model_type not in FAMILIES:
            raise ValueError(f"config.json: model_type {self.model_type!r} is not one of {FAMILIES}")
        if d.get("hidden_act", "silu") != "silu":
            raise ValueError(f"config.json: hidden_act {d['hidden_act']!r} is not supported (only silu)")
        self.vocab_size = d["vocab_size"]
        self.hidden_size = d["hidden_size"]
        self.num_layers = d["num_hidden_layers"]
        self.num_heads = d["num_attention_heads"]
        self.num_kv_heads = d.get("num_key_value_heads") or self.num_heads
        if self.num_heads % self.num_kv_heads:
            raise ValueError(f"config.json: num_attention_heads {self.num_heads} is not a multiple of "
                             f"num_key_value_heads {self.num_kv_heads}")
        self.head_dim = d.get("head_dim") or self.hidden_size // self.num_heads
        self.intermediate_size = d["intermediate_size"]
        self.eps = d.get("rms_norm_eps", 1e-6)
        self.tie = bool(d.get("tie_word_embeddings", False))
        self._read_rope(d)
        self._read_biases(d)
        self.qk_norm = self.model_type == "qwen3"
        self.windows = self._layer_windows(d)

    def _read_rope(self, d):
        # transformers >= 5 writes rope_parameters {rope_theta, rope_type, ...}; older configs have
        # top-level rope_theta and an optional rope_scaling {rope_type (or legacy "type"), ...}.
        rp = d.get("rope_parameters")
        if isinstance(rp, dict) and "rope_theta" in rp:
            params = dict(rp)
        else:
            params = dict(d.get("rope_scaling") or {})
            params["rope_theta"] = d.get("rope_theta", 10000.0)
        params.setdefault("rope_type", params.pop("type", "default"))
        if params["rope_type"] not in ("default", "llama3"):
            raise ValueError(f"config.json: rope_type {params['rope_type']!r} is not supported")
        if params.get("partial_rotary_factor", 1.0) != 1.0:
            raise ValueError("config.json: partial_rotary_factor != 1 is not supported")
        self.rope = params

    def _read_biases(self, d):
        t = self.model_type
        att = bool(d.get("attention_bias", False)) if t in ("llama", "qwen3") else False
        self.qkv_bias = True if t == "qwen2" else att
        self.o_bias = att
        self.mlp_bias = bool(d.get("mlp_bias", False)) if t == "llama" else False

    def _layer_windows(self, d):
        """Sliding window per layer (None = full causal attention)."""
        n, w = self.num_layers, d.get("sliding_window")
        if self.model_type == "mistral":
            return [w] * n                       # every layer when sliding_window is not null
        if self.model_type == "llama" or w is None:
            return [None] * n
        if "layer_types" in d and d["layer_types"] is not None and d.get("use_sliding_window", False):
            return [w if kind == "sliding_attention" else None for kind in d["layer_types"]]
        if not d.get("use_sliding_window", False):
            return [None] * n                    # qwen2/qwen3: sliding_window ignored unless enabled
        first = d.get("max_window_layers", 28)
        return [w if i >= first else None for i in range(n)]


def default_inv_freq(theta, dim):
    """1 / theta^(2i/dim) for i < dim/2, in float64."""
    return 1.0 / (float(theta) ** (np.arange(0, dim, 2, dtype=np.float64) / dim))


def llama3_inv_freq(inv_freq, factor, low_freq_factor, high_freq_factor, original_max_positions):
    """Llama 3.1 frequency scaling, element by element.

    wavelen = 2 pi / f. Short wavelengths (< original/high_freq_factor) keep f; long ones
    (> original/low_freq_factor) become f/factor; in between, with
    s = (original/wavelen - low) / (high - low): (1 - s) * f/factor + s * f.
    """
    low_wavelen = original_max_positions / low_freq_factor
    high_wavelen = original_max_positions / high_freq_factor
    out = np.empty_like(inv_freq)
    for i, f in enumerate(inv_freq):
        wavelen = 2 * math.pi / f
        if wavelen < high_wavelen:
            out[i] = f
        elif wavelen > low_wavelen:
            out[i] = f / factor
        else:
            s = (original_max_positions / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
            out[i] = (1 - s) * f / factor + s * f
    return out


def inv_freq_for(cfg):
    base = default_inv_freq(cfg.rope["rope_theta"], cfg.head_dim)
    if cfg.rope["rope_type"] == "llama3":
        r = cfg.rope
        return llama3_inv_freq(base, r["factor"], r["low_freq_factor"], r["high_freq_factor"],
                               r["original_max_position_embeddings"])
    return base


def rope_cos_sin(inv_freq, positions):
    """(T, d) cos and sin of cat(angle, angle), angle[t, i] = positions[t] * inv_freq[i]."""
    angle = np.outer(np.asarray(positions, dtype=np.float64), inv_freq)
    emb = np.concatenate([angle, angle], axis=-1)
    return np.cos(emb), np.sin(emb)


def rotate_half(x):
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def apply_rope(x, cos, sin):
    """x: (heads, T, d); cos, sin: (T, d)."""
    return x * cos[None] + rotate_half(x) * sin[None]


def rms_norm(x, weight, eps):
    """weight * x / sqrt(mean(x^2) + eps) over the last axis (transformers: in float32, see top)."""
    variance = np.mean(x * x, axis=-1, keepdims=True)
    return weight * (x / np.sqrt(variance + eps))


def silu(z):
    return z / (1.0 + np.exp(-z))


def log_softmax(logits):
    m = np.max(logits, axis=-1, keepdims=True)
    shifted = logits - m
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def linear(x, w, b=None):
    y = x @ w.T
    return y if b is None else y + b


class KVCache:
    """Rotated keys and values of every past position, per layer: (kv_heads, T, head_dim)."""

    def __init__(self, num_layers):
        self.k = [None] * num_layers
        self.v = [None] * num_layers
        self.length = 0

    def append(self, layer, k, v):
        if self.k[layer] is None:
            self.k[layer], self.v[layer] = k, v
        else:
            self.k[layer] = np.concatenate([self.k[layer], k], axis=1)
            self.v[layer] = np.concatenate([self.v[layer], v], axis=1)
        return self.k[layer], self.v[layer]


def attention_mask(q_positions, kv_positions, window):
    """Additive mask (Tq, Tk): 0 where key kv is visible from query p, -inf elsewhere."""
    p = np.asarray(q_positions)[:, None]
    kv = np.asarray(kv_positions)[None, :]
    visible = kv <= p
    if window is not None:
        visible &= kv > p - window
    return np.where(visible, 0.0, -np.inf)


def expected_shapes(c):
    """{tensor name: shape} that a checkpoint of config c holds (Hugging Face names)."""
    h, d, q_out, kv_out = c.hidden_size, c.head_dim, c.num_heads * c.head_dim, c.num_kv_heads * c.head_dim
    shapes = {"model.embed_tokens.weight": (c.vocab_size, h), "model.norm.weight": (h,)}
    if not c.tie:
        shapes["lm_head.weight"] = (c.vocab_size, h)
    for i in range(c.num_layers):
        p = f"model.layers.{i}."
        shapes[p + "input_layernorm.weight"] = (h,)
        shapes[p + "post_attention_layernorm.weight"] = (h,)
        for name, out_dim, in_dim, bias in (("q_proj", q_out, h, c.qkv_bias), ("k_proj", kv_out, h, c.qkv_bias),
                                            ("v_proj", kv_out, h, c.qkv_bias), ("o_proj", h, q_out, c.o_bias)):
            shapes[p + f"self_attn.{name}.weight"] = (out_dim, in_dim)
            if bias:
                shapes[p + f"self_attn.{name}.bias"] = (out_dim,)
        if c.qk_norm:
            shapes[p + "self_attn.q_norm.weight"] = (d,)
            shapes[p + "self_attn.k_norm.weight"] = (d,)
        for name, out_dim, in_dim in (("gate_proj", c.intermediate_size, h), ("up_proj", c.intermediate_size, h),
                                      ("down_proj", h, c.intermediate_size)):
            shapes[p + f"mlp.{name}.weight"] = (out_dim, in_dim)
            if c.mlp_bias:
                shapes[p + f"mlp.{name}.bias"] = (out_dim,)
    return shapes


class Model:
    """A causal LM of one of the four families, weights held as float64."""

    def __init__(self, cfg, weights):
        self.cfg = cfg
        self.w = weights
        self._check_weights()
        self.inv_freq = inv_freq_for(cfg)

    @staticmethod
    def load(directory):
        with open(os.path.join(directory, "config.json"), encoding="utf-8") as f:
            cfg = Config(json.load(f))
        return Model(cfg, load_weights(directory))

    def _check_weights(self):
        shapes = expected_shapes(self.cfg)
        missing = sorted(set(shapes) - set(self.w))
        unexpected = sorted(set(self.w) - set(shapes))
        if missing or unexpected:
            raise ValueError(f"checkpoint tensors do not match config: missing {missing}, unexpected {unexpected}")
        for name, shape in shapes.items():
            if tuple(self.w[name].shape) != shape:
                raise ValueError(f"tensor {name}: shape {tuple(self.w[name].shape)}, config implies {shape}")

    def lm_head(self):
        return self.w["model.embed_tokens.weight" if self.cfg.tie else "lm_head.weight"]

    def forward(self, ids, cache=None):
        """Logits (T, vocab) for tokens `ids` following the cache's positions (or from 0)."""
        c = self.cfg
        start = cache.length if cache is not None else 0
        positions = np.arange(start, start + len(ids))
        cos, sin = rope_cos_sin(self.inv_freq, positions)
        h = self.w["model.embed_tokens.weight"][np.asarray(ids)]
        for i in range(c.num_layers):
            h = h + self._attention(i, h, positions, cos, sin, cache)
            h = h + self._mlp(i, h)
        if cache is not None:
            cache.length += len(ids)
        h = rms_norm(h, self.w["model.norm.weight"], c.eps)
        return h @ self.lm_head().T

    def _attention(self, i, h, positions, cos, sin, cache):
        c, w, p = self.cfg, self.w, f"model.layers.{i}."
        x = rms_norm(h, w[p + "input_layernorm.weight"], c.eps)
        t = len(positions)
        q = linear(x, w[p + "self_attn.q_proj.weight"], w.get(p + "self_attn.q_proj.bias"))
        k = linear(x, w[p + "self_attn.k_proj.weight"], w.get(p + "self_attn.k_proj.bias"))
        v = linear(x, w[p + "self_attn.v_proj.weight"], w.get(p + "self_attn.v_proj.bias"))
        q = q.reshape(t, c.num_heads, c.head_dim).transpose(1, 0, 2)      # (H, T, d)
        k = k.reshape(t, c.num_kv_heads, c.head_dim).transpose(1, 0, 2)   # (KV, T, d)
        v = v.reshape(t, c.num_kv_heads, c.head_dim).transpose(1, 0, 2)
        if c.qk_norm:
            q = rms_norm(q, w[p + "self_attn.q_norm.weight"], c.eps)
            k = rms_norm(k, w[p + "self_attn.k_norm.weight"], c.eps)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        kv_positions = positions
        if cache is not None:
            k, v = cache.append(i, k, v)
            kv_positions = np.arange(k.shape[1])
        group = c.num_heads // c.num_kv_heads
        k, v = np.repeat(k, group, axis=0), np.repeat(v, group, axis=0)  # repeat_kv: head j -> j*g..j*g+g-1
        scores = (q @ k.transpose(0, 2, 1)) * c.head_dim ** -0.5
        scores = scores + attention_mask(positions, kv_positions, c.windows[i])[None]
        probs = np.exp(scores - scores.max(axis=-1, keepdims=True))
        probs /= probs.sum(axis=-1, keepdims=True)
        out = (probs @ v).transpose(1, 0, 2).reshape(t, c.num_heads * c.head_dim)
        return linear(out, w[p + "self_attn.o_proj.weight"], w.get(p + "self_attn.o_proj.bias"))

    def _mlp(self, i, h):
        c, w, p = self.cfg, self.w, f"model.layers.{i}."
        x = rms_norm(h, w[p + "post_attention_layernorm.weight"], c.eps)
        gate = linear(x, w[p + "mlp.gate_proj.weight"], w.get(p + "mlp.gate_proj.bias"))
        up = linear(x, w[p + "mlp.up_proj.weight"], w.get(p + "mlp.up_proj.bias"))
        return linear(silu(gate) * up, w[p + "mlp.down_proj.weight"], w.get(p + "mlp.down_proj.bias"))

    def next_token_logprobs(self, ids):
        """log p(ids[t+1] | ids[:t+1]) for t < len(ids) - 1, and the full logits."""
        logits = self.forward(ids)
        lp = log_softmax(logits)
        return np.array([lp[t, ids[t + 1]] for t in range(len(ids) - 1)]), logits

    def greedy(self, prompt, max_new_tokens, eos_ids):
        """Greedy decoding with a KV cache. Returns (new tokens, their log-probs at temperature 1,
        the top-1 minus top-2 logit margin of each step). Stops after emitting an eos id (kept)."""
        cache = KVCache(self.cfg.num_layers)
        logits = self.forward(list(prompt), cache)[-1]
        tokens, logprobs, margins = [], [], []
        for _ in range(max_new_tokens):
            tok = int(np.argmax(logits))
            top2 = np.sort(logits)[-2:]
            tokens.append(tok)
            logprobs.append(float(log_softmax(logits)[tok]))
            margins.append(float(top2[1] - top2[0]))
            if tok in eos_ids:
                break
            logits = self.forward([tok], cache)[-1]
        return tokens, logprobs, margins


def load_weights(directory):
    """All tensors of model.safetensors, or of the shards named in model.safetensors.index.json."""
    index = os.path.join(directory, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index, encoding="utf-8") as f:
            weight_map = json.load(f)["weight_map"]
        weights = {}
        for shard in sorted(set(weight_map.values())):
            tensors, _, _ = st_io.read(os.path.join(directory, shard))
            for name, arr in tensors.items():
                if weight_map.get(name) != shard:
                    raise ValueError(f"{shard}: tensor {name} is not mapped to this shard in the index")
                weights[name] = arr
        missing = sorted(set(weight_map) - set(weights))
        if missing:
            raise ValueError(f"{index}: tensors {missing} are in the weight_map but in no shard")
        return weights
    tensors, _, _ = st_io.read(os.path.join(directory, "model.safetensors"))
    return tensors
