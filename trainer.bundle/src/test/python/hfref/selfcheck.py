#!/usr/bin/env python3
"""Checks of reference.py and of the committed fixtures, independent of transformers.

  python3 selfcheck.py [--fixtures DIR]

Each check prints one line, PASS or FAIL with the numbers; the exit status is the number of
failures. Needs numpy; reads the safetensors files back with the real safetensors package (and
ml_dtypes for bfloat16) when they are installed, else says that check was skipped.
"""

import argparse
import cmath
import contextlib
import json
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import make_fixtures  # noqa: E402
import reference as ref  # noqa: E402

FAILURES = []


def report(name, ok, detail):
    print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}")
    if not ok:
        FAILURES.append(name)


def fixture_dirs(root):
    return [os.path.join(root, d) for d in sorted(os.listdir(root)) if os.path.exists(os.path.join(root, d, "expected.json"))]


def load_expected(d):
    with open(os.path.join(d, "expected.json"), encoding="utf-8") as f:
        return json.load(f)


# ---------------------------------------------------------------------------------------------- RoPE

def check_rotate_half_vs_complex():
    """x*cos + rotate_half(x)*sin == complex rotation of the pairs (x[i], x[i + d/2]) by pos*f[i]."""
    rng = np.random.default_rng(1)
    worst = 0.0
    for d in (16, 24, 48):
        inv = ref.default_inv_freq(10000.0, d)
        positions = [0, 1, 7, 39, 127]
        x = rng.standard_normal((3, len(positions), d))
        cos, sin = ref.rope_cos_sin(inv, positions)
        fast = ref.apply_rope(x, cos, sin)
        slow = np.empty_like(x)
        for h in range(x.shape[0]):
            for t, pos in enumerate(positions):
                for i in range(d // 2):
                    z = complex(x[h, t, i], x[h, t, i + d // 2]) * cmath.exp(1j * pos * inv[i])
                    slow[h, t, i], slow[h, t, i + d // 2] = z.real, z.imag
        worst = max(worst, float(np.max(np.abs(fast - slow))))
    report("rotate_half == complex rotation of (i, i+d/2)", worst < 1e-12, f"max abs diff {worst:.2e} (d 16, 24, 48)")


def llama3_like_transformers(inv_freq, factor, low, high, old_len):
    """_compute_llama3_parameters' vectorised structure (torch.where twice), transcribed to numpy."""
    low_wavelen, high_wavelen = old_len / low, old_len / high
    wavelen = 2 * math.pi / inv_freq
    scaled = np.where(wavelen > low_wavelen, inv_freq / factor, inv_freq)
    smooth = (old_len / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * scaled / factor + smooth * scaled
    medium = ~(wavelen < high_wavelen) & ~(wavelen > low_wavelen)
    return np.where(medium, smoothed, scaled)


def check_llama3_scaling(root):
    cases = [("Llama 3.1 (theta 5e5, d 128, factor 8, 1, 4, 8192)", 500000.0, 128, 8.0, 1.0, 4.0, 8192)]
    cfg = ref.Config(make_fixtures.llama3_config())
    r = cfg.rope
    cases.append(("fixture llama3-bf16-sharded", r["rope_theta"], cfg.head_dim, r["factor"], r["low_freq_factor"],
                  r["high_freq_factor"], r["original_max_position_embeddings"]))
    for name, theta, d, factor, low, high, old in cases:
        base = ref.default_inv_freq(theta, d)
        mine = ref.llama3_inv_freq(base, factor, low, high, old)
        theirs = llama3_like_transformers(base, factor, low, high, old)
        wl = 2 * math.pi / base
        bands = (int(np.sum(wl < old / high)), int(np.sum((wl >= old / high) & (wl <= old / low))), int(np.sum(wl > old / low)))
        diff = float(np.max(np.abs(mine / theirs - 1)))
        kept = np.allclose(mine[wl < old / high], base[wl < old / high], rtol=0, atol=0)
        divided = np.allclose(mine[wl > old / low], base[wl > old / low] / factor, rtol=1e-15)
        ok = diff < 1e-15 and kept and divided and bands[1] > 0
        report(f"llama3 rope scaling, {name}", ok,
               f"max rel diff vs transformers' formula {diff:.1e}; bands high/medium/low {bands}")
    model = ref.Model.load(os.path.join(root, "llama3-bf16-sharded"))
    default = ref.default_inv_freq(r["rope_theta"], cfg.head_dim)
    report("llama3 fixture uses the scaled frequencies", not np.allclose(model.inv_freq, default),
           f"inv_freq {np.array2string(model.inv_freq, precision=4, max_line_width=200)}")


# ------------------------------------------------------------------------- an independent naive forward

def naive_forward(model, ids):
    """The same model written with explicit loops: per query, head and key; RoPE by complex numbers;
    the window rule spelled as 'p - W < s <= p'. Shares no helper with reference.Model."""
    c, w = model.cfg, model.w
    T, D, H, KV = len(ids), c.head_dim, c.num_heads, c.num_kv_heads
    inv = model.inv_freq

    def norm(v, g):
        return np.array([g[j] * v[j] / math.sqrt(sum(u * u for u in v) / len(v) + c.eps) for j in range(len(v))])

    def lin(name, v):
        y = w[name + ".weight"] @ v
        return y + w[name + ".bias"] if name + ".bias" in w else y

    def rope(v, pos):
        out = np.empty(D)
        for i in range(D // 2):
            z = complex(v[i], v[i + D // 2]) * cmath.exp(1j * pos * inv[i])
            out[i], out[i + D // 2] = z.real, z.imag
        return out

    hs = [w["model.embed_tokens.weight"][t].copy() for t in ids]
    for layer in range(c.num_layers):
        p, window = f"model.layers.{layer}.", c.windows[layer]
        xs = [norm(hv, w[p + "input_layernorm.weight"]) for hv in hs]
        qs, ks, vs = [], [], []
        for t, x in enumerate(xs):
            q = lin(p + "self_attn.q_proj", x).reshape(H, D)
            k = lin(p + "self_attn.k_proj", x).reshape(KV, D)
            if c.qk_norm:
                q = np.array([norm(qh, w[p + "self_attn.q_norm.weight"]) for qh in q])
                k = np.array([norm(kh, w[p + "self_attn.k_norm.weight"]) for kh in k])
            qs.append([rope(qh, t) for qh in q])
            ks.append([rope(kh, t) for kh in k])
            vs.append(lin(p + "self_attn.v_proj", x).reshape(KV, D))
        new = []
        for t in range(T):
            heads = []
            for hd in range(H):
                g = hd // (H // KV)
                allowed = [s for s in range(T) if s <= t and (window is None or t - window < s)]
                scores = [float(qs[t][hd] @ ks[s][g]) / math.sqrt(D) for s in allowed]
                m = max(scores)
                e = [math.exp(sc - m) for sc in scores]
                heads.append(sum((ei / sum(e)) * vs[s][g] for ei, s in zip(e, allowed)))
            h1 = hs[t] + lin(p + "self_attn.o_proj", np.concatenate(heads))
            x = norm(h1, w[p + "post_attention_layernorm.weight"])
            gate, up = lin(p + "mlp.gate_proj", x), lin(p + "mlp.up_proj", x)
            act = np.array([gv / (1 + math.exp(-gv)) * uv for gv, uv in zip(gate, up)])
            new.append(h1 + lin(p + "mlp.down_proj", act))
        hs = new
    head = w["lm_head.weight"] if "lm_head.weight" in w else w["model.embed_tokens.weight"]
    return np.array([head @ norm(hv, w["model.norm.weight"]) for hv in hs])


def check_naive_forward(dirs):
    for d in dirs:
        model, exp = ref.Model.load(d), load_expected(d)
        ids = exp["sequences"][2]["input_ids"]
        diff = float(np.max(np.abs(naive_forward(model, ids) - model.forward(ids))))
        report(f"naive loop forward == reference, {os.path.basename(d)}", diff < 1e-10, f"max abs diff {diff:.2e} over {len(ids)} positions")


# ------------------------------------------------------------------------------------ GQA, KV cache

def check_gqa_equals_mha(root):
    for name in ("llama3-bf16-sharded", "mistral-f32", "qwen2-bf16", "qwen3-bf16"):
        model = ref.Model.load(os.path.join(root, name))
        c = model.cfg
        group = c.num_heads // c.num_kv_heads
        raw = dict(c.raw, num_key_value_heads=c.num_heads)
        w = dict(model.w)
        for key in list(w):
            if ".k_proj." in key or ".v_proj." in key:
                t = w[key].reshape(c.num_kv_heads, c.head_dim, *w[key].shape[1:])
                w[key] = np.repeat(t, group, axis=0).reshape(c.num_heads * c.head_dim, *w[key].shape[1:])
        mha = ref.Model(ref.Config(raw), w)
        ids = load_expected(os.path.join(root, name))["sequences"][2]["input_ids"]
        diff = float(np.max(np.abs(mha.forward(ids) - model.forward(ids))))
        report(f"GQA == MHA with k/v heads repeated (head j -> j*{group}..), {name}", diff < 1e-12, f"max abs diff {diff:.2e}")


def check_kv_cache(dirs):
    for d in dirs:
        model, exp = ref.Model.load(d), load_expected(d)
        ids = exp["sequences"][2]["input_ids"]
        full = model.forward(ids)
        worst = 0.0
        for chunks in ([1] * len(ids), [5, 1, 12, 1, 21]):
            cache, at, rows = ref.KVCache(model.cfg.num_layers), 0, []
            for n in chunks:
                rows.append(model.forward(ids[at:at + n], cache))
                at += n
            worst = max(worst, float(np.max(np.abs(np.concatenate(rows) - full))))
        report(f"KV-cached decoding == full recomputation, {os.path.basename(d)}", worst < 1e-11,
               f"max abs diff {worst:.2e} (one at a time; chunks 5,1,12,1,21)")


def check_receptive_field(root):
    """Changing token 0 must reach exactly the positions the window rule allows."""
    for name, expect_last in (("mistral-f32", 2 * 15), ("qwen2-swa-bf16", None), ("qwen2-bf16", None)):
        model = ref.Model.load(os.path.join(root, name))
        ids = load_expected(os.path.join(root, name))["sequences"][2]["input_ids"]
        changed = [(ids[0] + 1) % model.cfg.vocab_size] + ids[1:]
        delta = np.max(np.abs(model.forward(ids) - model.forward(changed)), axis=-1)
        reached = [p for p in range(len(ids)) if delta[p] > 0]
        last = max(reached)
        if expect_last is None:       # a full-attention layer exists: every position is reached
            ok, what = last == len(ids) - 1 and len(reached) == len(ids), "all positions (a full layer)"
        else:                         # 2 sliding layers of W=16: positions up to 2*(W-1)
            ok, what = reached == list(range(expect_last + 1)), f"positions 0..{expect_last} exactly"
        report(f"token 0 reaches {what}, {name}", ok, f"reached {len(reached)} positions, last {last}")


# ------------------------------------------------------------------------------- fixtures themselves

def check_not_degenerate(dirs):
    for d in dirs:
        exp = load_expected(d)
        rows = [np.array(r["row"]) for s in exp["sequences"] for r in s["logits"]]
        argmaxes = {int(r.argmax()) for r in rows}
        stds = [float(r.std()) for r in rows]
        peak = max(float(np.max(np.abs(r))) for r in rows)
        margins = [c["min_top2_margin"] for c in exp["generation"]["cases"]]
        stops = [c["stopped_on_eos"] for c in exp["generation"]["cases"]]
        ok = (len(argmaxes) >= len(rows) - 2 and 1.0 < min(stds) and max(stds) < 8.0 and peak < 40
              and min(margins) > make_fixtures.MIN_GREEDY_MARGIN and stops == [False, True])
        report(f"logits not degenerate, {os.path.basename(d)}", ok,
               f"{len(argmaxes)} distinct argmaxes of {len(rows)} rows; row std {min(stds):.2f}..{max(stds):.2f}; "
               f"max |logit| {peak:.1f}; greedy top-2 margin >= {min(margins):.3f}; stopped on eos {stops}")


def check_expected_reproduces(dirs):
    """expected.json == a fresh computation from the files on disk (config + safetensors)."""
    for d in dirs:
        model, exp = ref.Model.load(d), load_expected(d)
        worst = 0.0
        for s in exp["sequences"]:
            lps, logits = model.next_token_logprobs(s["input_ids"])
            for r in s["logits"]:
                worst = max(worst, float(np.max(np.abs(logits[r["position"]] - np.array(r["row"])))))
            if len(lps):
                worst = max(worst, float(np.max(np.abs(lps - np.array(s["next_token_logprobs"])))))
        gen_ok = True
        for c in exp["generation"]["cases"]:
            tokens, lps, _ = model.greedy(c["prompt"], exp["generation"]["max_new_tokens"], exp["generation"]["eos_token_ids"])
            gen_ok &= tokens == c["tokens"]
            worst = max(worst, float(np.max(np.abs(np.array(lps) - np.array(c["logprobs"])))))
        with open(os.path.join(d, "generation_config.json"), encoding="utf-8") as f:
            eos = json.load(f)["eos_token_id"]
        eos_ok = sorted(eos if isinstance(eos, list) else [eos]) == sorted(exp["generation"]["eos_token_ids"])
        report(f"expected.json reproduces from the files, {os.path.basename(d)}", worst == 0.0 and gen_ok and eos_ok,
               f"max abs diff {worst:.1e}; greedy tokens equal {gen_ok}; eos ids = generation_config's {eos_ok}")


def check_safetensors_package(dirs):
    try:
        from safetensors import safe_open
        import ml_dtypes  # noqa: F401  (bfloat16 for numpy)
    except ImportError as e:
        print(f"SKIP  safetensors package read-back: {e}")
        return
    for d in dirs:
        model = ref.Model.load(d)
        files = [f for f in os.listdir(d) if f.endswith(".safetensors")]
        worst, count, meta = 0.0, 0, set()
        for fname in files:
            with safe_open(os.path.join(d, fname), framework="numpy") as f:
                meta.add(json.dumps(f.metadata()))
                for key in f.keys():
                    worst = max(worst, float(np.max(np.abs(f.get_tensor(key).astype(np.float64) - model.w[key]))))
                    count += 1
        ok = worst == 0.0 and count == len(model.w) and meta == {'{"format": "pt"}'}
        report(f"safetensors package reads our files, {os.path.basename(d)}", ok,
               f"{count} tensors in {len(files)} file(s), max abs diff {worst:.1e}, metadata {sorted(meta)}")


def check_transformers_configs(dirs):
    """transformers' own config classes (importable without torch) read the fixtures as we do."""
    try:
        import logging
        import transformers
        transformers.logging.set_verbosity_error()
        logging.getLogger("transformers").setLevel(logging.ERROR)
        from transformers import AutoConfig, GenerationConfig
    except ImportError as e:
        print(f"SKIP  transformers config cross-check: {e}")
        return
    for d in dirs:
        mine, theirs = ref.Model.load(d).cfg, AutoConfig.from_pretrained(d)
        t = theirs.model_type
        head_dim = getattr(theirs, "head_dim", None) or theirs.hidden_size // theirs.num_attention_heads
        if t == "mistral":
            windows = [theirs.sliding_window] * theirs.num_hidden_layers
        elif t == "llama":
            windows = [None] * theirs.num_hidden_layers
        else:
            windows = [theirs.sliding_window if k == "sliding_attention" else None for k in theirs.layer_types]
        rp = dict(theirs.rope_parameters)
        got = {"head_dim": head_dim, "kv_heads": theirs.num_key_value_heads, "windows": windows,
               "rope": {k: rp[k] for k in sorted(rp)}, "tie": theirs.tie_word_embeddings,
               "eps": theirs.rms_norm_eps, "o_bias": bool(getattr(theirs, "attention_bias", False)),
               "mlp_bias": bool(getattr(theirs, "mlp_bias", False))}
        want = {"head_dim": mine.head_dim, "kv_heads": mine.num_kv_heads, "windows": mine.windows,
                "rope": {k: mine.rope[k] for k in sorted(mine.rope)}, "tie": mine.tie, "eps": mine.eps,
                "o_bias": mine.o_bias, "mlp_bias": mine.mlp_bias}
        gen_eos = GenerationConfig.from_pretrained(d).eos_token_id
        gen_eos = sorted(gen_eos if isinstance(gen_eos, list) else [gen_eos])
        exp_eos = sorted(load_expected(d)["generation"]["eos_token_ids"])
        ok = got == want and gen_eos == exp_eos
        diff = {k: (got[k], want[k]) for k in got if got[k] != want[k]}
        report(f"transformers {transformers.__version__} config classes agree, {os.path.basename(d)}", ok,
               f"{type(theirs).__name__}: head_dim {head_dim}, windows {windows}, rope_type {rp.get('rope_type')}, "
               f"generation eos {gen_eos}" + (f"; DIFFERENT {diff}" if diff else ""))


# ------------------------------------------------------------------------ sensitivity (mutations)

@contextlib.contextmanager
def patched(attr, fn):
    old = getattr(ref, attr)
    setattr(ref, attr, fn)
    try:
        yield
    finally:
        setattr(ref, attr, old)


def max_logit_change(d, attr, fn):
    model, exp = ref.Model.load(d), load_expected(d)
    ids = exp["sequences"][2]["input_ids"]
    base = model.forward(ids)
    with patched(attr, fn):
        mutated = ref.Model.load(d).forward(ids)
    return float(np.max(np.abs(mutated - base)))


def check_mutations(root):
    """Plausible implementation mistakes must move the fixtures' logits well past float32 noise."""
    def window_off_by_one(qp, kp, window):
        return ref_mask(qp, kp, None if window is None else window + 1)

    def interleaved_rotate(x):
        out = np.empty_like(x)
        out[..., 0::2], out[..., 1::2] = -x[..., 1::2], x[..., 0::2]
        return out

    def eps_outside(x, weight, eps):
        return weight * (x / (np.sqrt(np.mean(x * x, axis=-1, keepdims=True)) + eps))

    def fp32_norm(x, weight, eps):
        x32 = x.astype(np.float32)
        return weight * (x32 / np.sqrt(np.mean(x32 * x32, axis=-1, keepdims=True) + np.float32(eps))).astype(np.float64)

    ref_mask = ref.attention_mask
    cases = [
        ("sliding window one too wide", "mistral-f32", "attention_mask", window_off_by_one, 1e-3),
        ("sliding window one too wide", "qwen2-swa-bf16", "attention_mask", window_off_by_one, 1e-3),
        ("interleaved (GPT-J) RoPE pairing", "llama3-bf16-sharded", "rotate_half", interleaved_rotate, 1e-3),
        ("eps outside the square root", "qwen3-bf16", "rms_norm", eps_outside, 1e-4),
        ("no llama3 rope scaling", "llama3-bf16-sharded", "llama3_inv_freq", lambda f, *a: f, 1e-3),
    ]
    for what, name, attr, fn, floor in cases:
        change = max_logit_change(os.path.join(root, name), attr, fn)
        report(f"fixture detects '{what}', {name}", change > floor, f"max |logit change| {change:.2e} (> {floor:g})")
    config_cases = [
        ("sliding_window honoured though use_sliding_window is false", "qwen2-bf16",
         {"use_sliding_window": True, "max_window_layers": 0}),
        ("mistral without its sliding window", "mistral-f32", {"sliding_window": None}),
        ("head_dim taken as hidden/heads", "qwen3-bf16", None),
    ]
    for what, name, change in config_cases:
        d = os.path.join(root, name)
        model, ids = ref.Model.load(d), load_expected(d)["sequences"][2]["input_ids"]
        if change is None:   # the weights fix head_dim, so this mistake cannot even load: a shape error
            try:
                ref.Model(ref.Config(dict(model.cfg.raw, head_dim=None)), model.w)
                report(f"fixture detects '{what}', {name}", False, "loaded without error")
            except ValueError as e:
                report(f"fixture detects '{what}', {name}", True, f"rejected: {str(e)[:90]}...")
            continue
        other = ref.Model(ref.Config(dict(model.cfg.raw, **change)), model.w)
        delta = float(np.max(np.abs(other.forward(ids) - model.forward(ids))))
        report(f"fixture detects '{what}', {name}", delta > 1e-3, f"max |logit change| {delta:.2e}")
    # Not a mistake: transformers' float32 RMSNorm. Shows the size of float32 noise for comparison.
    for name in ("qwen3-bf16", "mistral-f32"):
        change = max_logit_change(os.path.join(root, name), "rms_norm", fp32_norm)
        print(f"INFO  RMSNorm in float32 (as transformers) moves {name}'s logits by {change:.2e}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fixtures", default=make_fixtures.DEFAULT_OUT)
    args = ap.parse_args()
    dirs = fixture_dirs(args.fixtures)
    if not dirs:
        sys.exit(f"no fixture folders with expected.json under {args.fixtures}")
    check_rotate_half_vs_complex()
    check_llama3_scaling(args.fixtures)
    check_gqa_equals_mha(args.fixtures)
    check_kv_cache(dirs)
    check_receptive_field(args.fixtures)
    check_naive_forward(dirs)
    check_not_degenerate(dirs)
    check_expected_reproduces(dirs)
    check_safetensors_package(dirs)
    check_transformers_configs(dirs)
    check_mutations(args.fixtures)
    print(f"{len(FAILURES)} failure(s)" + (": " + ", ".join(FAILURES) if FAILURES else ""))
    sys.exit(min(len(FAILURES), 100))


if __name__ == "__main__":
    main()
