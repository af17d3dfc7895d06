#!/usr/bin/env python3
"""Writes tiny random Llama-family checkpoints in Hugging Face's layout, and the float64 reference
outputs of each (expected.json), to trainer.bundle/src/test/resources/hfref/ (or --out).

  python3 make_fixtures.py [--out DIR]

Needs only numpy. Deterministic: every checkpoint has its own seed, and a rerun rewrites the same
bytes. See the README.md written beside the fixtures for what each checkpoint exercises and the
layout of expected.json.
"""

import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import jsonfmt  # noqa: E402
import reference  # noqa: E402
import st_io  # noqa: E402

DEFAULT_OUT = os.path.normpath(os.path.join(HERE, "..", "..", "resources", "hfref"))
DTYPE_NAMES = {"F32": "float32", "BF16": "bfloat16", "F16": "float16"}
ARCH = {"llama": "LlamaForCausalLM", "mistral": "MistralForCausalLM",
        "qwen2": "Qwen2ForCausalLM", "qwen3": "Qwen3ForCausalLM"}
SEQUENCE_LENGTHS = (1, 7, 40)
PROMPT_LENGTHS = (5, 12)
MAX_NEW_TOKENS = 16
MIN_GREEDY_MARGIN = 1e-3   # top-1 minus top-2 logit at every greedy step, so float32 noise cannot flip it


def qwen2_config(vocab, inter, window, use_window, max_window_layers):
    return {
        "architectures": [ARCH["qwen2"]], "attention_dropout": 0.0, "bos_token_id": vocab - 20,
        "eos_token_id": None, "hidden_act": "silu", "hidden_size": 64, "initializer_range": 0.02,
        "intermediate_size": inter, "max_position_embeddings": 128, "max_window_layers": max_window_layers,
        "model_type": "qwen2", "num_attention_heads": 4, "num_hidden_layers": 2, "num_key_value_heads": 2,
        "rms_norm_eps": 1e-06, "rope_scaling": None, "rope_theta": 1000000.0, "sliding_window": window,
        "tie_word_embeddings": True, "torch_dtype": "bfloat16", "transformers_version": "4.43.1",
        "use_cache": True, "use_sliding_window": use_window, "vocab_size": vocab,
    }


def qwen3_config():
    # transformers >= 5 spelling: "dtype" and "rope_parameters" (older: torch_dtype, rope_theta).
    return {
        "architectures": [ARCH["qwen3"]], "attention_bias": False, "attention_dropout": 0.0,
        "bos_token_id": 284, "dtype": "bfloat16", "eos_token_id": None, "head_dim": 24, "hidden_act": "silu",
        "hidden_size": 64, "initializer_range": 0.02, "intermediate_size": 96,
        "layer_types": ["full_attention", "full_attention"], "max_position_embeddings": 128,
        "max_window_layers": 28, "model_type": "qwen3", "num_attention_heads": 4, "num_hidden_layers": 2,
        "num_key_value_heads": 2, "pad_token_id": None, "rms_norm_eps": 1e-06,
        "rope_parameters": {"rope_theta": 1000000.0, "rope_type": "default"}, "sliding_window": None,
        "tie_word_embeddings": True, "transformers_version": "5.17.0", "use_cache": True,
        "use_sliding_window": False, "vocab_size": 304,
    }


def llama3_config():
    return {
        "architectures": [ARCH["llama"]], "attention_bias": False, "attention_dropout": 0.0,
        "bos_token_id": 280, "eos_token_id": None, "head_dim": 16, "hidden_act": "silu", "hidden_size": 64,
        "initializer_range": 0.02, "intermediate_size": 128, "max_position_embeddings": 128,
        "mlp_bias": False, "model_type": "llama", "num_attention_heads": 4, "num_hidden_layers": 2,
        "num_key_value_heads": 2, "pretraining_tp": 1, "rms_norm_eps": 1e-05,
        "rope_scaling": {"factor": 8.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                         "original_max_position_embeddings": 64, "rope_type": "llama3"},
        "rope_theta": 500000.0, "tie_word_embeddings": False, "torch_dtype": "bfloat16",
        "transformers_version": "4.45.0", "use_cache": True, "vocab_size": 300,
    }


def mistral_config():
    return {
        "architectures": [ARCH["mistral"]], "attention_dropout": 0.0, "bos_token_id": 1, "eos_token_id": None,
        "head_dim": 24, "hidden_act": "silu", "hidden_size": 64, "initializer_range": 0.02,
        "intermediate_size": 96, "max_position_embeddings": 128, "model_type": "mistral",
        "num_attention_heads": 4, "num_hidden_layers": 2, "num_key_value_heads": 2, "rms_norm_eps": 1e-05,
        "rope_theta": 10000.0, "sliding_window": 16, "tie_word_embeddings": False, "torch_dtype": "float32",
        "transformers_version": "4.42.3", "use_cache": True, "vocab_size": 272,
    }


def llama_bias_config():
    return {
        "architectures": [ARCH["llama"]], "attention_bias": True, "attention_dropout": 0.0, "bos_token_id": 1,
        "eos_token_id": None, "hidden_act": "silu", "hidden_size": 64, "initializer_range": 0.02,
        "intermediate_size": 112, "max_position_embeddings": 128, "mlp_bias": True, "model_type": "llama",
        "num_attention_heads": 4, "num_hidden_layers": 2, "num_key_value_heads": 4, "pretraining_tp": 1,
        "rms_norm_eps": 1e-05, "rope_scaling": None, "rope_theta": 10000.0, "tie_word_embeddings": True,
        "torch_dtype": "float16", "transformers_version": "4.40.0", "use_cache": True, "vocab_size": 256,
    }


# name, config, dtype, seed, shards, eos layout, extra generation_config fields, loss?, what it exercises
SPECS = [
    dict(name="qwen2-bf16", config=qwen2_config(320, 128, 8, False, 1), dtype="BF16", seed=11, shards=1,
         eos="qwen", loss=True,
         gen_extra={"do_sample": True, "pad_token_id": 300, "temperature": 0.7, "top_k": 20, "top_p": 0.8},
         about="Qwen2.5-0.5B-Instruct-like: q/k/v biases (no o bias), GQA 4/2, tied lm_head, rope_theta 1e6; "
               "sliding_window 8 present but use_sliding_window false, so it must be ignored"),
    dict(name="qwen2-swa-bf16", config=qwen2_config(260, 64, 8, True, 1), dtype="BF16", seed=12, shards=1,
         eos="qwen", loss=False, gen_extra={},
         about="Qwen2 with use_sliding_window true, sliding_window 8, max_window_layers 1: layer 0 full "
               "attention, layer 1 sliding (window 8 < lengths 40 and prompt + 16 generated)"),
    dict(name="qwen3-bf16", config=qwen3_config(), dtype="BF16", seed=13, shards=1, eos="qwen", loss=True,
         gen_extra={"do_sample": True, "pad_token_id": 284, "temperature": 0.6, "top_k": 20, "top_p": 0.95},
         about="Qwen3-0.6B-like: head_dim 24 != hidden/heads 16, per-head q_norm/k_norm before RoPE "
               "(small q/k projections, so rms_norm_eps matters), tied lm_head, config in the "
               "transformers 5 spelling (dtype, rope_parameters, layer_types)"),
    dict(name="llama3-bf16-sharded", config=llama3_config(), dtype="BF16", seed=14, shards=2, eos="llama3",
         loss=True, gen_extra={"do_sample": True, "temperature": 0.6, "top_p": 0.9},
         about="Llama-3.1-Instruct-like: GQA 4/2, rope_scaling llama3 (factor 8, low 1, high 4, original 64: "
               "one high, one medium, six low frequencies), untied lm_head, eos list, two shards + index"),
    dict(name="mistral-f32", config=mistral_config(), dtype="F32", seed=15, shards=1, eos="mistral",
         loss=True, gen_extra={},
         about="Mistral-7B-v0.1-like with Nemo-style explicit head_dim 24 (q_proj 96 x 64), GQA 4/2, "
               "sliding_window 16 on every layer (< length 40 and prompt + 16 generated), untied, float32"),
    dict(name="llama-bias-f16", config=llama_bias_config(), dtype="F16", seed=16, shards=1, eos="llama2",
         loss=False, gen_extra={"pad_token_id": 0},
         about="Llama with attention_bias (q/k/v/o biases) and mlp_bias (gate/up/down biases), MHA "
               "(kv heads = heads), intermediate 112, tied, default RoPE theta 1e4, float16"),
]


def random_weights(cfg, rng):
    """float64 weights with logits O(1)-O(10): unit-variance activations, norm weights near 1."""
    shapes = reference.expected_shapes(cfg)
    w = {}
    for name in sorted(shapes, key=_natural_key):
        shape = shapes[name]
        if name.endswith("norm.weight"):
            w[name] = 1.0 + 0.1 * rng.standard_normal(shape)
        elif name.endswith(".bias"):
            scale = 0.5 if ("q_proj" in name or "k_proj" in name) else 0.1
            w[name] = scale * rng.standard_normal(shape)
        elif name == "model.embed_tokens.weight":
            w[name] = (0.35 if cfg.tie else 1.0) * rng.standard_normal(shape)
        elif name == "lm_head.weight":
            w[name] = 3.0 / np.sqrt(shape[1]) * rng.standard_normal(shape)
        else:
            gain = 0.05 if (cfg.qk_norm and ("q_proj" in name or "k_proj" in name)) else 1.0
            w[name] = gain / np.sqrt(shape[1]) * rng.standard_normal(shape)
    return w


def _natural_key(name):
    return [int(p) if p.isdigit() else p for p in name.split(".")]


def hf_order(names):
    """The order of transformers' state_dict: embed, layers by index, norm, lm_head."""
    def key(n):
        if n.startswith("model.embed_tokens"):
            return (0, 0, n)
        if n.startswith("model.layers."):
            return (1, int(n.split(".")[2]), n)
        if n.startswith("model.norm"):
            return (2, 0, n)
        return (3, 0, n)
    return sorted(names, key=key)


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(obj, indent=2, sort_keys=True) + "\n")


def write_checkpoint(directory, weights, dtype, shards):
    """model.safetensors, or model-0000k-of-0000n.safetensors + model.safetensors.index.json."""
    if shards == 1:
        st_io.write(os.path.join(directory, "model.safetensors"), weights, dtype)
        return
    names = hf_order(weights)
    layer_split = [n for n in names if n.startswith("model.layers.1.")][0]
    parts = [names[:names.index(layer_split)], names[names.index(layer_split):]]
    weight_map, total = {}, 0
    for k, part in enumerate(parts, start=1):
        fname = f"model-{k:05d}-of-{len(parts):05d}.safetensors"
        total += st_io.write(os.path.join(directory, fname), {n: weights[n] for n in part}, dtype)
        weight_map.update({n: fname for n in part})
    params = sum(int(np.prod(weights[n].shape)) for n in names)
    write_json(os.path.join(directory, "model.safetensors.index.json"),
               {"metadata": {"total_parameters": params, "total_size": total}, "weight_map": weight_map})


def pick_eos(model, prompts):
    """A token that greedy decoding of prompts[1] emits first at step >= 4 and prompts[0] never
    emits in MAX_NEW_TOKENS steps: as eos it ends the second generation early, not the first."""
    first, _, _ = model.greedy(prompts[0], MAX_NEW_TOKENS, ())
    second, _, _ = model.greedy(prompts[1], MAX_NEW_TOKENS, ())
    for step in range(4, len(second) - 2):
        tok = second[step]
        if tok not in second[:step] and tok not in first and tok not in prompts[1]:
            return tok
    return None


def eos_fields(layout, chosen, vocab):
    """(config.json eos_token_id, generation_config.json eos_token_id, other special ids)."""
    if layout == "qwen":         # <|im_end|> in config; [<|im_end|>, <|endoftext|>] in generation config
        return chosen, [chosen, vocab - 20]
    if layout == "llama3":       # 3.1 Instruct: the same list in both files
        ids = [vocab - 19, vocab - 12, chosen]
        return ids, ids
    return chosen, chosen        # mistral / llama 2: one int


def random_prompts(rng, vocab, exclude):
    allowed = np.array([t for t in range(vocab) if t not in exclude])
    return [[int(t) for t in rng.choice(allowed, size=n)] for n in PROMPT_LENGTHS]


def generation_cases(model, cfg, rng, spec):
    """Prompts whose greedy steps have a clear top-1 margin, and the eos id that ends one early."""
    vocab = cfg["vocab_size"]
    specials = {cfg["bos_token_id"], vocab - 20, vocab - 19, vocab - 12}
    for _ in range(200):
        prompts = random_prompts(rng, vocab, specials)
        chosen = pick_eos(model, prompts)
        if chosen is None or chosen in specials:
            continue
        cfg_eos, gen_eos = eos_fields(spec["eos"], chosen, vocab)
        eos_ids = gen_eos if isinstance(gen_eos, list) else [gen_eos]
        cases = []
        for prompt in prompts:
            tokens, logprobs, margins = model.greedy(prompt, MAX_NEW_TOKENS, eos_ids)
            cases.append(dict(prompt=prompt, tokens=tokens, logprobs=logprobs, margins=margins))
        if all(min(c["margins"]) > MIN_GREEDY_MARGIN for c in cases) and cases[1]["tokens"][-1] in eos_ids:
            return cfg_eos, gen_eos, eos_ids, cases
    raise RuntimeError(f"{spec['name']}: no prompts with clear greedy margins and an early eos in 200 tries")


def sequences(model, rng, vocab):
    out = []
    for n in SEQUENCE_LENGTHS:
        ids = [int(t) for t in rng.integers(0, vocab, size=n)]
        lps, logits = model.next_token_logprobs(ids)
        positions = sorted({0, n // 2, n - 1})
        out.append({
            "input_ids": ids,
            "logits": [{"position": p, "row": [float(x) for x in logits[p]]} for p in positions],
            "next_token_logprobs": [float(x) for x in lps],
            "sum_next_token_logprobs": float(np.sum(lps)),
        })
    return out


def build(spec, out_root):
    rng = np.random.default_rng(spec["seed"])
    cfg = dict(spec["config"])
    directory = os.path.join(out_root, spec["name"])
    os.makedirs(directory, exist_ok=True)
    for old in os.listdir(directory):
        os.remove(os.path.join(directory, old))
    rcfg = reference.Config(cfg)
    weights = random_weights(rcfg, rng)
    # What the checkpoint holds, upcast: what transformers computes with after loading into float64.
    stored = {n: st_io.round_to(a, spec["dtype"]) for n, a in weights.items()}
    model = reference.Model(rcfg, stored)
    cfg_eos, gen_eos, eos_ids, cases = generation_cases(model, cfg, rng, spec)
    cfg["eos_token_id"] = cfg_eos
    seqs = sequences(model, rng, cfg["vocab_size"])

    write_json(os.path.join(directory, "config.json"), cfg)
    gen = {"bos_token_id": cfg["bos_token_id"], "eos_token_id": gen_eos,
           "transformers_version": cfg["transformers_version"]}
    gen.update(spec["gen_extra"])
    write_json(os.path.join(directory, "generation_config.json"), gen)
    write_checkpoint(directory, weights, spec["dtype"], spec["shards"])

    reloaded = reference.Model.load(directory)   # what the files hold must be what we computed with
    for n, a in stored.items():
        if not np.array_equal(reloaded.w[n], a):
            raise RuntimeError(f"{spec['name']}: tensor {n} does not read back as written")

    expected = {
        "checkpoint": spec["name"],
        "model_type": cfg["model_type"],
        "stored_dtype": DTYPE_NAMES[spec["dtype"]],
        "about": spec["about"],
        "reference": "float64 numpy, trainer.bundle/src/test/python/hfref/reference.py",
        "sequences": seqs,
        "generation": {
            "eos_token_ids": eos_ids,
            "max_new_tokens": MAX_NEW_TOKENS,
            "cases": [{"prompt": c["prompt"], "tokens": c["tokens"], "logprobs": c["logprobs"],
                       "stopped_on_eos": c["tokens"][-1] in eos_ids,
                       "min_top2_margin": min(c["margins"])} for c in cases],
        },
    }
    if spec["loss"]:
        s = seqs[-1]
        expected["loss"] = {"sequence": len(seqs) - 1,
                            "sum_next_token_logprobs": s["sum_next_token_logprobs"],
                            "mean_nll": -s["sum_next_token_logprobs"] / len(s["next_token_logprobs"])}
    with open(os.path.join(directory, "expected.json"), "w", encoding="utf-8") as f:
        f.write(jsonfmt.dumps(expected) + "\n")
    return directory


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT, help="fixture root (default: %(default)s)")
    ap.add_argument("--only", help="build only this checkpoint")
    args = ap.parse_args()
    for spec in SPECS:
        if args.only and spec["name"] != args.only:
            continue
        d = build(spec, args.out)
        size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
        print(f"{spec['name']:22s} {size / 1024:7.1f} KiB  {d}")


if __name__ == "__main__":
    main()
