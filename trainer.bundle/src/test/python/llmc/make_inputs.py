"""Random inputs for llm.c's train_gpt2.c, to time its CPU training step beside Cohort's ModelBench.

Writes, under the directory given (default: the current one):
  gpt2_124M.bin  llm.c's checkpoint format (header of 256 int32: magic 20240326, version 3,
                 maxT 1024, V 50257, L 12, NH 12, C 768, Vp 50304; then the fp32 parameters in
                 llm.c's order: wte, wpe, ln1w, ln1b, qkvw, qkvb, attprojw, attprojb, ln2w, ln2b,
                 fcw, fcb, fcprojw, fcprojb, lnfw, lnfb), random N(0, 0.02) weights, unit layer-norm
                 scales, zero biases;
  dev/data/tinyshakespeare/tiny_shakespeare_{train,val}.bin  llm.c's token format (header of 256
                 int32: magic 20240520, version 1, token count; then uint16 tokens), random tokens.
The step's time does not depend on the values; only the shapes are GPT-2 124M's.
Usage: python3 make_inputs.py [DIR]
"""
import os
import sys

import numpy as np

MAXT, V, L, NH, C, VP = 1024, 50257, 12, 12, 768, 50304


def parameter_shapes():
    """(name, element count, kind) in llm.c's order; kind: w (random), one, zero."""
    return [
        ("wte", VP * C, "w"), ("wpe", MAXT * C, "w"),
        ("ln1w", L * C, "one"), ("ln1b", L * C, "zero"),
        ("qkvw", L * 3 * C * C, "w"), ("qkvb", L * 3 * C, "zero"),
        ("attprojw", L * C * C, "w"), ("attprojb", L * C, "zero"),
        ("ln2w", L * C, "one"), ("ln2b", L * C, "zero"),
        ("fcw", L * 4 * C * C, "w"), ("fcb", L * 4 * C, "zero"),
        ("fcprojw", L * C * 4 * C, "w"), ("fcprojb", L * C, "zero"),
        ("lnfw", C, "one"), ("lnfb", C, "zero"),
    ]


def write_checkpoint(path, rng):
    header = np.zeros(256, dtype=np.int32)
    header[:8] = [20240326, 3, MAXT, V, L, NH, C, VP]
    with open(path, "wb") as f:
        f.write(header.tobytes())
        for _, n, kind in parameter_shapes():
            if kind == "w":
                values = rng.normal(0.0, 0.02, n).astype(np.float32)
            else:
                values = np.full(n, 1.0 if kind == "one" else 0.0, dtype=np.float32)
            f.write(values.tobytes())


def write_tokens(path, count, rng):
    header = np.zeros(256, dtype=np.int32)
    header[:3] = [20240520, 1, count]
    with open(path, "wb") as f:
        f.write(header.tobytes())
        f.write(rng.integers(0, V, count, dtype=np.uint16).tobytes())


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    rng = np.random.default_rng(0)
    data = os.path.join(out, "dev", "data", "tinyshakespeare")
    os.makedirs(data, exist_ok=True)
    write_checkpoint(os.path.join(out, "gpt2_124M.bin"), rng)
    write_tokens(os.path.join(data, "tiny_shakespeare_train.bin"), 100_000, rng)
    write_tokens(os.path.join(data, "tiny_shakespeare_val.bin"), 20_000, rng)


if __name__ == "__main__":
    main()
