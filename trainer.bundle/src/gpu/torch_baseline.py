#!/usr/bin/env python3
"""PyTorch / Hugging Face baselines for Cohort's CUDA backend benchmarks (ModelBench).

Same shapes as ModelBench on the GPU machine:
  train     GPT2LMHeadModel(GPT2Config()) (124M), random init, batch 8 x 1024 random tokens,
            loss = model(input_ids, labels=input_ids).loss, backward, torch.optim.AdamW(fused=True),
            zero_grad(set_to_none=True); variant "tf32" (fp32 weights, TF32 matmuls allowed) and
            variant "bf16" (the same under torch.autocast(bfloat16)); 3 warm-up, 10 timed steps.
  generate  model.generate, 64 sequences x 128 new tokens (min_new_tokens = max_new_tokens = 128),
            do_sample, temperature 1, top_k 0, top_p 1, 16 random prompt tokens; variant "fp32"
            (TF32 off) and "tf32"; 1 warm-up, 3 timed.
Attention: transformers' default (sdpa). Every result is one JSON line on stdout (and appended to
--json FILE); one human line follows each. MFU uses 6 x (parameters - position embeddings) +
12 x L x T x C FLOPs per token, as ModelBench does, against the H100/H200 SXM dense peak of the
precision (BF16 989.4, TF32 494.7 TFLOP/s).

  python3 torch_baseline.py [--json FILE] [--only train|generate] [--device cuda|cpu] [--tiny]

--tiny (with --device cpu) runs a 2-layer model on small shapes: a check of the script, not a benchmark.
"""

import argparse
import datetime
import json
import statistics
import sys
import time
import traceback

PEAK_SXM = {"bf16": 989.4, "tf32": 494.7, "fp32": 66.9}


def emit(args, rec, human):
    line = json.dumps(rec)
    print(line, flush=True)
    print(human, flush=True)
    if args.json:
        with open(args.json, "a", encoding="utf-8") as f:
            f.write(line + "\n")


def set_tf32(torch, on):
    torch.backends.cuda.matmul.allow_tf32 = on
    torch.backends.cudnn.allow_tf32 = on


def sync(torch, device):
    if device == "cuda":
        torch.cuda.synchronize()


def base_record(torch, transformers, args, bench, variant):
    rec = {
        "bench": bench,
        "variant": variant,
        "time": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "device": torch.cuda.get_device_name(0) if args.device == "cuda" else "cpu",
    }
    return rec


def make_config(transformers, args):
    if args.model == "qwen2.5-0.5b":
        # Qwen2.5-0.5B(-Instruct)'s published config.json; random weights (sdpa attention)
        small = dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                     intermediate_size=128, vocab_size=512) if args.tiny else {}
        kw = dict(hidden_size=896, num_hidden_layers=24, num_attention_heads=14, num_key_value_heads=2,
                  intermediate_size=4864, vocab_size=151936, max_position_embeddings=32768, rms_norm_eps=1e-6,
                  rope_theta=1000000.0, tie_word_embeddings=True, bos_token_id=151643, eos_token_id=151645,
                  use_sliding_window=False)
        kw.update(small)
        if kw["eos_token_id"] >= kw["vocab_size"]:
            kw.update(bos_token_id=kw["vocab_size"] - 2, eos_token_id=kw["vocab_size"] - 1)
        return transformers.Qwen2Config(**kw)
    if args.tiny:
        return transformers.GPT2Config(n_layer=2, n_head=2, n_embd=64, n_positions=128, vocab_size=256,
                                        bos_token_id=255, eos_token_id=255)
    return transformers.GPT2Config()


def make_model(transformers, cfg):
    if isinstance(cfg, transformers.GPT2Config):
        return transformers.GPT2LMHeadModel(cfg)
    return transformers.AutoModelForCausalLM.from_config(cfg, attn_implementation="sdpa")


def model_flops(model, cfg, seq):
    params = sum(p.numel() for p in model.parameters())  # tied embedding / lm_head counted once
    if hasattr(cfg, "n_positions"):
        flops_params = params - cfg.n_positions * cfg.n_embd  # no FLOPs in the learned position lookup
        return params, flops_params, 6.0 * flops_params + 12.0 * cfg.n_layer * seq * cfg.n_embd
    head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
    width = cfg.num_attention_heads * head_dim
    return params, params, 6.0 * params + 12.0 * cfg.num_hidden_layers * seq * width


def bench_train(torch, transformers, args, variant):
    device = args.device
    cfg = make_config(transformers, args)
    batch, seq = (2, 64) if args.tiny else (8, 1024)
    warmup, steps = (1, 2) if args.tiny else (3, 10)
    set_tf32(torch, True)
    torch.manual_seed(0)
    model = make_model(transformers, cfg).to(device)
    model.train()
    attn = getattr(model.config, "_attn_implementation", None)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=True)
    x = torch.randint(0, cfg.vocab_size, (batch, seq), device=device)
    times, losses = [], []
    for s in range(warmup + steps):
        sync(torch, device)
        t0 = time.perf_counter()
        if variant == "bf16":
            with torch.autocast(device, dtype=torch.bfloat16):
                loss = model(input_ids=x, labels=x).loss
        else:
            loss = model(input_ids=x, labels=x).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        sync(torch, device)
        dt = time.perf_counter() - t0
        losses.append(loss.item())
        if s >= warmup:
            times.append(dt)
    params, flops_params, fpt = model_flops(model, cfg, seq)
    med = statistics.median(times)
    tps = batch * seq / med
    achieved = fpt * tps / 1e12
    peak = PEAK_SXM[variant]
    rec = base_record(torch, transformers, args, "torch.train", variant)
    rec.update({
        "model": "%s(%s%s)" % (type(model).__name__, args.model, ", tiny" if args.tiny else ""),
        "attn_implementation": attn,
        "precision": "fp32 weights, TF32 matmuls allowed" + (", autocast bf16" if variant == "bf16" else ""),
        "batch": batch, "seq": seq, "tokens_per_step": batch * seq,
        "params": params, "params_for_flops": flops_params, "flops_per_token": fpt,
        "flops_formula": "6*(params - wpe) + 12*L*T*(heads*head_dim)",
        "optimizer": "torch.optim.AdamW(fused=True), no grad clipping",
        "warmup": warmup, "steps": steps,
        "step_ms_median": round(med * 1e3, 2), "step_ms_min": round(min(times) * 1e3, 2),
        "step_ms_max": round(max(times) * 1e3, 2),
        "tokens_per_s": round(tps, 1), "achieved_tflops": round(achieved, 3),
        "peak_tflops": peak, "peak_source": "H100/H200 SXM dense %s peak" % variant.upper(),
        "mfu": round(achieved / peak, 4) if device == "cuda" else None,
        "loss_first": round(losses[0], 4), "loss_last": round(losses[-1], 4),
    })
    if device == "cuda":
        rec["max_memory_allocated_gib"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
    human = ("torch train %s: %d x %d tokens, median %.1f ms/step (min %.1f, max %.1f; %d after %d warm-up),"
             " %.0f tokens/s, %.2f TFLOP/s, MFU %s of %.1f, loss %.3f -> %.3f") % (
        variant, batch, seq, med * 1e3, min(times) * 1e3, max(times) * 1e3, steps, warmup, tps, achieved,
        "%.1f%%" % (100 * achieved / peak) if device == "cuda" else "n/a", peak, losses[0], losses[-1])
    del model, opt, x, loss
    return rec, human


def bench_generate(torch, transformers, args, variant):
    device = args.device
    cfg = make_config(transformers, args)
    n, prompt, new = (4, 16, 8) if args.tiny else (64, 16, 128) if args.model == "gpt2" else (64, 64, 256)
    warmup, reps = (1, 2) if args.tiny else (1, 3)
    set_tf32(torch, variant == "tf32")
    torch.manual_seed(0)
    model = make_model(transformers, cfg).to(device)
    model.eval()
    attn = getattr(model.config, "_attn_implementation", None)
    eos = cfg.eos_token_id if cfg.eos_token_id is not None and cfg.eos_token_id < cfg.vocab_size else cfg.vocab_size - 1
    ids = torch.randint(0, cfg.vocab_size, (n, prompt), device=device)
    mask = torch.ones_like(ids)
    kw = dict(attention_mask=mask, do_sample=True, temperature=1.0, top_k=0, top_p=1.0,
              min_new_tokens=new, max_new_tokens=new, pad_token_id=eos, eos_token_id=eos, use_cache=True)
    times = []
    produced = 0
    with torch.no_grad():
        for r in range(warmup + reps):
            sync(torch, device)
            t0 = time.perf_counter()
            out = model.generate(ids, **kw)
            sync(torch, device)
            dt = time.perf_counter() - t0
            produced = (out.shape[1] - prompt) * out.shape[0]
            if produced != n * new:
                raise RuntimeError("generate returned %s, expected %d x %d" % (tuple(out.shape), n, prompt + new))
            if r >= warmup:
                times.append(dt)
    med = statistics.median(times)
    rec = base_record(torch, transformers, args, "torch.generate", variant)
    rec.update({
        "model": "%s(%s%s)" % (type(model).__name__, args.model, ", tiny" if args.tiny else ""),
        "attn_implementation": attn,
        "precision": "fp32, TF32 matmuls " + ("allowed" if variant == "tf32" else "off"),
        "sequences": n, "prompt_tokens": prompt, "new_tokens": new,
        "sampling": "do_sample, temperature 1, top_k 0, top_p 1, min_new_tokens = max_new_tokens (no EOS stop),"
                    " KV cache, random prompts",
        "warmup": warmup, "reps": reps,
        "ms_median": round(med * 1e3, 2), "ms_min": round(min(times) * 1e3, 2), "ms_max": round(max(times) * 1e3, 2),
        "new_tokens_per_s": round(produced / med, 1), "ms_per_decode_step": round(med * 1e3 / new, 3),
    })
    human = ("torch generate %s: %d sequences x %d new tokens (%d-token prompts): median %.1f ms (min %.1f, max %.1f;"
             " %d after %d warm-up), %.0f new tokens/s") % (
        variant, n, new, prompt, med * 1e3, min(times) * 1e3, max(times) * 1e3, reps, warmup, produced / med)
    del model, ids, out
    return rec, human


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", help="append the JSON lines to this file")
    ap.add_argument("--only", choices=["train", "generate"])
    ap.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    ap.add_argument("--tiny", action="store_true", help="small model and shapes (script check)")
    ap.add_argument("--model", default="gpt2", choices=["gpt2", "qwen2.5-0.5b"],
                    help="GPT2LMHeadModel (GPT-2 124M) or Qwen2ForCausalLM of Qwen2.5-0.5B's shape")
    args = ap.parse_args()
    import torch
    import transformers
    if args.device == "cuda" and not torch.cuda.is_available():
        rec = {"bench": "torch", "error": "torch.cuda.is_available() is False", "torch": torch.__version__}
        emit(args, rec, "torch baseline: no CUDA device")
        return 1
    runs = []
    if args.only in (None, "train"):
        runs += [(bench_train, "tf32"), (bench_train, "bf16")]
    if args.only in (None, "generate"):
        runs += [(bench_generate, "fp32"), (bench_generate, "tf32")]
    rc = 0
    for fn, variant in runs:
        try:
            rec, human = fn(torch, transformers, args, variant)
            emit(args, rec, human)
        except Exception as e:  # one failing variant must not stop the others
            traceback.print_exc()
            name = "torch.train" if fn is bench_train else "torch.generate"
            emit(args, {"bench": name, "variant": variant, "error": repr(e)}, "%s %s failed: %r" % (name, variant, e))
            rc = 1
        finally:
            if args.device == "cuda":
                torch.cuda.empty_cache()
                torch.cuda.reset_peak_memory_stats()
    return rc


if __name__ == "__main__":
    sys.exit(main())
