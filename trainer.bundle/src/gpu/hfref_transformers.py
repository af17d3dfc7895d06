#!/usr/bin/env python3
"""Recomputes the hfref fixtures' expected outputs with Hugging Face transformers and compares.

For every folder under the fixture root (default: trainer.bundle/src/test/resources/hfref) that
holds an expected.json, loads the committed checkpoint with
AutoModelForCausalLM.from_pretrained(dir, dtype=torch.float64, attn_implementation="eager") on the
CPU and recomputes: the logits rows and next-token log-probs of every sequence, the loss
(model(ids, labels=ids).loss, a mean NLL that transformers computes in float32 even for a
float64 model: tolerance --tol-loss) where expected.json has one, and both greedy generations
twice: with an explicit KV-cache loop (past_key_values) and with model.generate(do_sample=False).

Two passes per checkpoint:
  stock  transformers as shipped. Its float64 run keeps three float32 islands (RMSNorm's
         normalisation, the rotary cos/sin and inv_freq, eager attention's softmax), so it differs
         from the float64 reference by ~1e-6; tolerance --tol-stock (default 1e-4 on logits).
  exact  the same model with those three places switched to float64 (RMSNorm and rotary forwards
         replaced per module, the modeling module's eager_attention_forward replaced; each patch is
         counted and the pass is reported as not applicable if one never ran). inv_freq in float64
         is recomputed from config.json and first checked against transformers' own float32 buffer
         (relative 1e-6). Tolerance --tol-exact (default 1e-9).
Greedy tokens must match exactly in both passes (expected.json's greedy steps have a top-1 margin
of at least 1e-3, far above float32 noise).

  python3 hfref_transformers.py [--fixtures DIR] [--only NAME] [--no-exact] [--json FILE]
                                [--tol-stock X] [--tol-exact X] [--tol-loss X]

Prints one block per checkpoint and a summary; exits 1 when any comparison fails, 2 on usage
errors. Needs torch and transformers (written against torch 2.11 / transformers 5.17); no network.
"""

import argparse
import contextlib
import json
import math
import os
import sys
import traceback
import types

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_FIXTURES = os.path.normpath(os.path.join(HERE, "..", "test", "resources", "hfref"))


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fixtures", default=DEFAULT_FIXTURES, help="fixture root (default: %(default)s)")
    ap.add_argument("--only", action="append", help="checkpoint folder name (repeatable)")
    ap.add_argument("--no-exact", action="store_true", help="skip the float64-patched pass")
    ap.add_argument("--tol-stock", type=float, default=1e-4, help="max abs diff, stock pass (default %(default)g)")
    ap.add_argument("--tol-exact", type=float, default=1e-9, help="max abs diff, exact pass (default %(default)g)")
    ap.add_argument("--tol-loss", type=float, default=1e-5,
                    help="max abs diff of the loss, both passes: transformers computes it in float32 (default %(default)g)")
    ap.add_argument("--json", help="append one JSON line per checkpoint and pass to FILE")
    return ap.parse_args()


# ------------------------------------------------------------------------------ rope, from config.json

def rope_params(cfg):
    rp = cfg.get("rope_parameters")
    if isinstance(rp, dict) and "rope_theta" in rp:
        params = dict(rp)
    else:
        params = dict(cfg.get("rope_scaling") or {})
        params["rope_theta"] = cfg.get("rope_theta", 10000.0)
    params.setdefault("rope_type", params.pop("type", "default"))
    return params


def inv_freq_f64(cfg):
    """Python floats: 1/theta^(2i/d), then Llama 3.1 scaling when rope_type is llama3."""
    d = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    p = rope_params(cfg)
    freqs = [1.0 / (float(p["rope_theta"]) ** (i / d)) for i in range(0, d, 2)]
    if p["rope_type"] == "default":
        return freqs
    if p["rope_type"] != "llama3":
        raise ValueError(f"rope_type {p['rope_type']} not handled by this script")
    factor, low, high = p["factor"], p["low_freq_factor"], p["high_freq_factor"]
    old = p["original_max_position_embeddings"]
    out = []
    for f in freqs:
        wavelen = 2 * math.pi / f
        if wavelen < old / high:
            out.append(f)
        elif wavelen > old / low:
            out.append(f / factor)
        else:
            s = (old / wavelen - low) / (high - low)
            out.append((1 - s) * f / factor + s * f)
    return out


# ---------------------------------------------------------------------------- float64 patches (exact)

class Patches:
    """Switches transformers' float32 islands to float64 in one loaded model; counts each use.

    Instance-level forwards replace the RMSNorm and rotary modules' forwards (nn.Module.__call__
    finds the instance attribute first); the model's modeling module gets a float64
    eager_attention_forward (looked up there by name at call time). All undone on exit.
    """

    def __init__(self, torch, model, cfg):
        self.torch, self.model, self.cfg = torch, model, cfg
        self.calls = {"rmsnorm": 0, "rotary": 0, "attention": 0}
        self.undo = []

    def __enter__(self):
        try:
            return self._apply()
        except Exception:
            self.__exit__(None, None, None)
            raise

    def _apply(self):
        inv = self.torch.tensor(inv_freq_f64(self.cfg), dtype=self.torch.float64)
        for module in self.model.modules():
            kind = type(module).__name__
            if kind.endswith("RMSNorm"):
                self._set_forward(module, self._rmsnorm_forward(module))
            elif kind.endswith("RotaryEmbedding"):
                self._set_forward(module, self._rotary_forward(module, inv))
        mod = sys.modules[type(self.model).__module__]
        if not hasattr(mod, "eager_attention_forward"):
            raise RuntimeError(f"{mod.__name__} has no eager_attention_forward to patch")
        old = mod.eager_attention_forward
        self.undo.append(lambda: setattr(mod, "eager_attention_forward", old))
        mod.eager_attention_forward = self._attention
        return self

    def __exit__(self, *exc):
        for step in reversed(self.undo):
            step()
        return False

    def _set_forward(self, module, fn):
        if "forward" in module.__dict__:
            old = module.__dict__["forward"]
            self.undo.append(lambda: setattr(module, "forward", old))
        else:
            self.undo.append(lambda: delattr(module, "forward"))
        module.forward = fn

    def _rmsnorm_forward(self, module):
        torch = self.torch

        def forward(hidden_states):
            self.calls["rmsnorm"] += 1
            x = hidden_states.to(torch.float64)
            return module.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + module.variance_epsilon))
        return forward

    def _rotary_forward(self, module, inv):
        torch = self.torch

        def forward(x, position_ids, *rest, **kwargs):
            self.calls["rotary"] += 1
            angle = position_ids.to(torch.float64)[:, :, None] * inv.to(x.device)[None, None, :]
            emb = torch.cat((angle, angle), dim=-1)
            scale = float(getattr(module, "attention_scaling", 1.0))
            return (emb.cos() * scale).to(x.dtype), (emb.sin() * scale).to(x.dtype)
        return forward

    def _attention(self, module, query, key, value, attention_mask, scaling, dropout=0.0, **kwargs):
        """Eager attention with the softmax in float64 (repeat_kv = repeat_interleave on heads)."""
        torch = self.torch
        self.calls["attention"] += 1
        key = key.repeat_interleave(module.num_key_value_groups, dim=1)
        value = value.repeat_interleave(module.num_key_value_groups, dim=1)
        weights = torch.matmul(query, key.transpose(2, 3)) * scaling
        if attention_mask is not None:
            weights = weights + attention_mask[:, :, :, : key.shape[-2]]
        weights = torch.softmax(weights.to(torch.float64), dim=-1).to(query.dtype)
        return torch.matmul(weights, value).transpose(1, 2).contiguous(), weights

    def not_run(self):
        return [k for k, v in self.calls.items() if v == 0]


# --------------------------------------------------------------------------------------- comparisons

def max_abs(torch, a, b):
    a = torch.as_tensor(a, dtype=torch.float64)
    b = torch.as_tensor(b, dtype=torch.float64)
    if a.shape != b.shape:
        raise ValueError(f"shape {tuple(a.shape)} vs expected {tuple(b.shape)}")
    return float((a - b).abs().max()) if a.numel() else 0.0


def compare_sequences(torch, model, expected):
    worst_logits, worst_lp, loss_diff = 0.0, 0.0, None
    for s in expected["sequences"]:
        ids = torch.tensor([s["input_ids"]])
        with torch.no_grad():
            logits = model(input_ids=ids).logits[0].to(torch.float64)
        for r in s["logits"]:
            worst_logits = max(worst_logits, max_abs(torch, logits[r["position"]], r["row"]))
        lp = torch.log_softmax(logits, dim=-1)
        got = [float(lp[t, s["input_ids"][t + 1]]) for t in range(len(s["input_ids"]) - 1)]
        if got:
            worst_lp = max(worst_lp, max_abs(torch, got, s["next_token_logprobs"]))
    if "loss" in expected:
        s = expected["sequences"][expected["loss"]["sequence"]]
        ids = torch.tensor([s["input_ids"]])
        with torch.no_grad():
            loss = float(model(input_ids=ids, labels=ids).loss)
        loss_diff = abs(loss - expected["loss"]["mean_nll"])
    return worst_logits, worst_lp, loss_diff


def greedy_with_cache(torch, model, prompt, max_new, eos):
    with torch.no_grad():
        out = model(input_ids=torch.tensor([prompt]), use_cache=True)
        tokens, lps = [], []
        for _ in range(max_new):
            logits = out.logits[0, -1].to(torch.float64)
            tok = int(torch.argmax(logits))
            tokens.append(tok)
            lps.append(float(torch.log_softmax(logits, dim=-1)[tok]))
            if tok in eos:
                break
            out = model(input_ids=torch.tensor([[tok]]), past_key_values=out.past_key_values, use_cache=True)
    return tokens, lps


def greedy_with_generate(torch, model, prompt, max_new, eos):
    ids = torch.tensor([prompt])
    with torch.no_grad():
        out = model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=False, max_new_tokens=max_new,
                             eos_token_id=eos, pad_token_id=eos[0], repetition_penalty=1.0,
                             output_logits=True, return_dict_in_generate=True)
    tokens = [int(t) for t in out.sequences[0, len(prompt):]]
    lps = [float(torch.log_softmax(l[0].to(torch.float64), dim=-1)[t]) for l, t in zip(out.logits, tokens)]
    return tokens, lps


def compare_generation(torch, model, expected, use_generate):
    g = expected["generation"]
    tokens_ok, worst = True, 0.0
    details = []
    for case in g["cases"]:
        fn = greedy_with_generate if use_generate else greedy_with_cache
        tokens, lps = fn(torch, model, case["prompt"], g["max_new_tokens"], g["eos_token_ids"])
        if tokens != case["tokens"]:
            tokens_ok = False
            details.append(f"prompt len {len(case['prompt'])}: got {tokens}, expected {case['tokens']}")
        else:
            worst = max(worst, max_abs(torch, lps, case["logprobs"]))
    return tokens_ok, worst, details


def run_pass(torch, model, expected, tol, tol_loss):
    logits_d, lp_d, loss_d = compare_sequences(torch, model, expected)
    cache_ok, cache_d, cache_why = compare_generation(torch, model, expected, use_generate=False)
    gen_ok, gen_d, gen_why = compare_generation(torch, model, expected, use_generate=True)
    numbers = {"logits": logits_d, "next_token_logprobs": lp_d, "loss_mean_nll": loss_d,
               "greedy_kv_loop_logprobs": cache_d, "generate_logprobs": gen_d}
    ok = cache_ok and gen_ok and all(v is None or v <= (tol_loss if k == "loss_mean_nll" else tol)
                                     for k, v in numbers.items())
    return {"ok": ok, "max_abs_diff": numbers, "greedy_tokens_equal": {"kv_loop": cache_ok, "generate": gen_ok},
            "token_mismatches": cache_why + gen_why}


# ------------------------------------------------------------------------------------------- driver

def load_model(torch, transformers, directory):
    kwargs = dict(attn_implementation="eager", output_loading_info=True)
    try:
        model, info = transformers.AutoModelForCausalLM.from_pretrained(directory, dtype=torch.float64, **kwargs)
    except TypeError:   # transformers < 4.56 spells it torch_dtype
        model, info = transformers.AutoModelForCausalLM.from_pretrained(directory, torch_dtype=torch.float64, **kwargs)
    model.eval()
    problems = {k: sorted(map(str, v)) for k, v in (info or {}).items() if v}
    return model, problems


def check_checkpoint(torch, transformers, directory, args):
    name = os.path.basename(directory)
    with open(os.path.join(directory, "expected.json"), encoding="utf-8") as f:
        expected = json.load(f)
    with open(os.path.join(directory, "config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    model, problems = load_model(torch, transformers, directory)
    result = {"checkpoint": name, "class": type(model).__name__, "loading_problems": problems}
    ok = not problems
    # inv_freq: transformers' float32 buffer vs the float64 formula from config.json
    buffers = [m.inv_freq for m in model.modules() if type(m).__name__.endswith("RotaryEmbedding") and hasattr(m, "inv_freq")]
    ref = torch.tensor(inv_freq_f64(cfg), dtype=torch.float64)
    rel = max(float(((b.to(torch.float64).cpu() / ref) - 1).abs().max()) for b in buffers) if buffers else None
    result["inv_freq_max_rel_diff"] = rel
    ok &= rel is not None and rel < 1e-6
    if cfg.get("tie_word_embeddings"):
        tied = bool(torch.equal(model.get_output_embeddings().weight, model.get_input_embeddings().weight))
        result["lm_head_tied"] = tied
        ok &= tied
    result["stock"] = run_pass(torch, model, expected, args.tol_stock, args.tol_loss)
    ok &= result["stock"]["ok"]
    if not args.no_exact:
        try:
            with Patches(torch, model, cfg) as patches:
                exact = run_pass(torch, model, expected, args.tol_exact, args.tol_loss)
                missing = patches.not_run()
            if missing:
                exact = {"ok": None, "not_applicable": f"patches never ran: {missing}"}
            result["exact"] = exact
            ok &= exact["ok"] is not False
        except Exception as e:  # a transformers layout this script does not know: report, do not hide
            result["exact"] = {"ok": None, "not_applicable": f"{type(e).__name__}: {e}"}
    result["ok"] = bool(ok)
    return result


def fmt(x):
    return "n/a" if x is None else f"{x:.2e}"


def print_result(r, args):
    print(f"== {r['checkpoint']} ({r['class']}): {'PASS' if r['ok'] else 'FAIL'}")
    if r["loading_problems"]:
        print(f"   loading problems: {r['loading_problems']}")
    print(f"   rope inv_freq float32 buffer vs float64 formula: max rel diff {fmt(r['inv_freq_max_rel_diff'])}")
    if "lm_head_tied" in r:
        print(f"   lm_head tied to embed_tokens: {r['lm_head_tied']}")
    for pass_name, tol in (("stock", args.tol_stock), ("exact", args.tol_exact)):
        p = r.get(pass_name)
        if p is None:
            continue
        if p.get("ok") is None:
            print(f"   {pass_name:5s}: not applicable ({p['not_applicable']})")
            continue
        d = p["max_abs_diff"]
        print(f"   {pass_name:5s}: {'ok' if p['ok'] else 'FAIL'} (tol {tol:g})  logits {fmt(d['logits'])}  "
              f"next-token logprobs {fmt(d['next_token_logprobs'])}  loss {fmt(d['loss_mean_nll'])}  "
              f"greedy KV loop {fmt(d['greedy_kv_loop_logprobs'])}  generate {fmt(d['generate_logprobs'])}  "
              f"tokens equal {p['greedy_tokens_equal']}")
        for why in p["token_mismatches"]:
            print(f"          {why}")


def main():
    args = parse_args()
    if not os.path.isdir(args.fixtures):
        print(f"fixture root {args.fixtures} is not a directory", file=sys.stderr)
        return 2
    dirs = [os.path.join(args.fixtures, d) for d in sorted(os.listdir(args.fixtures))
            if os.path.exists(os.path.join(args.fixtures, d, "expected.json"))]
    if args.only:
        unknown = set(args.only) - {os.path.basename(d) for d in dirs}
        if unknown:
            print(f"--only: no fixture named {sorted(unknown)} under {args.fixtures}", file=sys.stderr)
            return 2
        dirs = [d for d in dirs if os.path.basename(d) in args.only]
    import torch
    import transformers
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, transformers {transformers.__version__}, {len(dirs)} checkpoint(s) "
          f"from {args.fixtures}, float64 on CPU, eager attention")
    failed = []
    for d in dirs:
        try:
            r = check_checkpoint(torch, transformers, d, args)
        except Exception as e:
            r = {"checkpoint": os.path.basename(d), "ok": False, "error": f"{type(e).__name__}: {e}"}
            print(f"== {r['checkpoint']}: FAIL with {r['error']}")
            traceback.print_exc()
        else:
            print_result(r, args)
        if not r["ok"]:
            failed.append(r["checkpoint"])
        if args.json:
            with open(args.json, "a", encoding="utf-8") as f:
                f.write(json.dumps(r) + "\n")
    print(f"summary: {len(dirs) - len(failed)} of {len(dirs)} checkpoints agree" + (f"; failed: {failed}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        sys.exit(main())
