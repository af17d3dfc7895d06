"""Writes the Parquet fixtures of Cohort's Parquet reader tests, with the rows pyarrow reads back.

Run from the repository root with a virtual environment that has pyarrow:

    python3 -m venv .venv && .venv/bin/pip install pyarrow
    .venv/bin/python trainer.bundle/src/test/parquet/make_fixtures.py

Every fixture NAME.parquet gets NAME.json, {"rows": [...]} as pyarrow's to_pylist() gives them
(floats as Python writes them, which round-trip exactly). The files go to
trainer.bundle/src/test/resources/parquet/ and are committed, so the Maven build needs no Python.
"""
import json
import os
import random
import sys

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, os.path.dirname(__file__))
from gsm8k_like import PROBLEMS  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "parquet")

MESSAGE = pa.struct([pa.field("content", pa.string()), pa.field("role", pa.string())])
WORDS = ["", "a", "add", "Grüße", "日本語", "emoji 🙂", "two words", "line\nbreak", "x" * 40]


def mixed_table(rows, rng):
    """Every supported physical type, nullable and required, and the nested shapes."""
    def maybe(v, p=0.2):
        return None if rng.random() < p else v

    def messages():
        n = rng.randrange(0, 4)
        if rng.random() < 0.1:
            return None
        return [maybe({"content": maybe(rng.choice(WORDS), 0.1), "role": rng.choice(["system", "user", "assistant"])},
                      0.1) for _ in range(n)]

    def tags():
        if rng.random() < 0.15:
            return None
        return [maybe(rng.choice(WORDS), 0.15) for _ in range(rng.randrange(0, 5))]

    cols = {
        "flag": [maybe(rng.random() < 0.5) for _ in range(rows)],
        "small": [maybe(rng.randrange(-2**31, 2**31)) for _ in range(rows)],
        "count": [rng.randrange(0, 7) for _ in range(rows)],
        "big": [rng.randrange(-2**63, 2**63) for _ in range(rows)],
        "ratio": [maybe(rng.uniform(-1e3, 1e3)) for _ in range(rows)],
        "score": [maybe(rng.uniform(-1, 1)) for _ in range(rows)],
        "text": [maybe(rng.choice(WORDS)) for _ in range(rows)],
        "id": ["row-%d" % i for i in range(rows)],
        "tags": [tags() for _ in range(rows)],
        "prompt": [messages() for _ in range(rows)],
        "scores": [[rng.randrange(-5, 5) for _ in range(rng.randrange(0, 3))] for _ in range(rows)],
    }
    schema = pa.schema([
        pa.field("flag", pa.bool_()),
        pa.field("small", pa.int32()),
        pa.field("count", pa.int8(), nullable=False),
        pa.field("big", pa.int64(), nullable=False),
        pa.field("ratio", pa.float32()),
        pa.field("score", pa.float64()),
        pa.field("text", pa.string()),
        pa.field("id", pa.string(), nullable=False),
        pa.field("tags", pa.list_(pa.string())),
        pa.field("prompt", pa.list_(MESSAGE)),
        pa.field("scores", pa.list_(pa.field("element", pa.int64(), nullable=False)), nullable=False),
    ])
    return pa.table(cols, schema=schema)


def write(name, table, expected=True, **options):
    path = os.path.join(OUT, name + ".parquet")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    pq.write_table(table, path, **options)
    if not expected:
        return
    back = pq.read_table(path)
    with open(os.path.join(OUT, name + ".json"), "w", encoding="utf-8") as f:
        json.dump({"rows": back.to_pylist()}, f, ensure_ascii=False, indent=0)
        f.write("\n")


def matrix():
    """Each codec x data page version x dictionary on/off, several row groups and pages."""
    seed = 0
    for codec in ["none", "snappy", "zstd", "gzip"]:
        for page in ["1.0", "2.0"]:
            for dictionary in [True, False]:
                seed += 1
                rng = random.Random(seed)
                name = "mixed-%s-v%s-%s" % (codec, page[0], "dict" if dictionary else "plain")
                write(name, mixed_table(57, rng), compression=codec, data_page_version=page,
                      use_dictionary=dictionary, row_group_size=20, data_page_size=256, write_batch_size=8)


def gsm8k():
    """GSM8K's layout: main/train-0000k-of-00002.parquet shards and main/test-00000-of-00001.parquet."""
    rows = [{"question": q, "answer": a + "\n#### " + str(v)} for q, a, v in PROBLEMS]
    for q, a, v in PROBLEMS:
        assert "=" + str(v) + ">>" in a or str(v) in a.splitlines()[-1], q
    table = pa.table({"question": [r["question"] for r in rows], "answer": [r["answer"] for r in rows]})
    write("gsm8k/main/train-00000-of-00002", table.slice(0, 12), compression="snappy")
    write("gsm8k/main/train-00001-of-00002", table.slice(12, 12), compression="snappy")
    write("gsm8k/main/test-00000-of-00001", table.slice(24), compression="zstd")
    with open(os.path.join(OUT, "gsm8k", "reference-numbers.txt"), "w") as f:
        f.write("".join("%d\n" % v for _, _, v in PROBLEMS))


def trl():
    """TRL's prompt-only formats: conversational (a list of messages) and standard (a string)."""
    system = "Solve the problem. End with #### and the number."
    conv = [[{"content": system, "role": "system"}, {"content": q, "role": "user"}] for q, _, _ in PROBLEMS[:10]]
    answers = [str(v) for _, _, v in PROBLEMS[:10]]
    write("trl-conversational", pa.table({"prompt": pa.array(conv, pa.list_(MESSAGE)), "answer": answers}),
          compression="zstd")
    write("trl-standard", pa.table({"prompt": [q for q, _, _ in PROBLEMS[:10]], "answer": answers}),
          compression="snappy", data_page_version="2.0")


def special():
    """PLAIN_DICTIONARY (format 1.0), required nested fields, a boolean-only v2 file."""
    rng = random.Random(7)
    write("format-1_0", mixed_table(30, rng), version="1.0", compression="snappy")
    required = pa.schema([pa.field("prompt", pa.list_(pa.field("element", pa.struct([
        pa.field("content", pa.string(), nullable=False), pa.field("role", pa.string(), nullable=False)]),
        nullable=False)), nullable=False)])
    write("required-nested", pa.table({"prompt": [[{"content": "hi", "role": "user"}], [],
                                                   [{"content": "", "role": "system"}, {"content": "q", "role": "user"}]]},
                                      schema=required))
    write("dictionary-fallback", pa.table({"s": ["value %d" % (i * 7919 % 1000) for i in range(400)]}),
          dictionary_pagesize_limit=200, data_page_size=512, write_batch_size=16, compression="gzip")
    write("booleans-v2", pa.table({"b": [rng.random() < 0.3 for _ in range(300)]}), data_page_version="2.0",
          use_dictionary=False)


def unsupported():
    """Files the reader must refuse, naming the feature."""
    write("unsupported-delta", pa.table({"n": list(range(20))}), expected=False, use_dictionary=False,
          column_encoding={"n": "DELTA_BINARY_PACKED"})
    write("unsupported-map", pa.table({"m": pa.array([[("a", 1)]], pa.map_(pa.string(), pa.int64()))}), expected=False)
    write("unsupported-int96", pa.table({"t": pa.array([0, 1], pa.timestamp("ns"))}), expected=False,
          use_deprecated_int96_timestamps=True)
    write("unsupported-brotli", pa.table({"s": ["x", "y"]}), expected=False, compression="brotli")


def bad_rows():
    """Datasets whose rows the dataset layer must refuse at start."""
    write("bad-gsm8k", pa.table({"question": ["What is 2 + 2?", "What is 3 + 3?", ""],
                                 "answer": ["2 + 2 = 4\n#### 4", "3 + 3 = 6\n#### six", "#### 1"]}))
    write("bad-conversational", pa.table({"prompt": pa.array(
        [[{"content": "hi", "role": "user"}], [{"content": "hello", "role": None}]], pa.list_(MESSAGE))}))


if __name__ == "__main__":
    matrix()
    gsm8k()
    trl()
    special()
    unsupported()
    bad_rows()
