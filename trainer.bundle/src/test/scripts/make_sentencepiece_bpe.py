"""Makes the SentencePiece-style BPE tokenizer.json fixtures (Llama 2 / Mistral 7B machinery:
byte fallback, fused unknowns, Prepend/Replace or Metaspace, ByteFallback/Fuse/Strip decoders)
with Hugging Face's tokenizers, trained on Apache-2.0 licence text, so that they can be committed.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install tokenizers
    /tmp/venv/bin/python make_sentencepiece_bpe.py OUT_DIR
"""
import gzip
import json
import sys

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

out = sys.argv[1]
text = open("/usr/share/common-licenses/Apache-2.0", encoding="utf-8").read().splitlines()

SPECIALS = ["<unk>", "<s>", "</s>"]
BYTES = ["<0x%02X>" % b for b in range(256)]


def train(pre):
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    if pre:
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="first", split=False)
    else:
        tok.normalizer = normalizers.Sequence([normalizers.Prepend("\u2581"), normalizers.Replace(" ", "\u2581")])
    trainer = trainers.BpeTrainer(vocab_size=1200, special_tokens=SPECIALS + BYTES, limit_alphabet=70,
                                  show_progress=False)
    tok.train_from_iterator(text, trainer)
    return json.loads(tok.to_str())


def finish(d, decoder, post_bos):
    d["model"]["unk_token"] = "<unk>"
    d["model"]["byte_fallback"] = True
    d["model"]["fuse_unk"] = True
    # the byte tokens are model vocabulary in Llama 2 and Mistral, not added tokens
    d["added_tokens"] = [t for t in d["added_tokens"] if t["content"] in SPECIALS]
    d["decoder"] = decoder
    if post_bos:
        d["post_processor"] = {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "<s>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}},
        }
    return d


def added(content, id_, **flags):
    t = {"id": id_, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
         "normalized": False, "special": False}
    t.update(flags)
    return t


legacy = finish(train(False), {"type": "Sequence", "decoders": [
    {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
    {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}, True)

meta = finish(train(True), {"type": "Sequence", "decoders": [
    {"type": "ByteFallback"},
    {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": False},
    {"type": "Fuse"}]}, True)
n = max(meta["model"]["vocab"].values()) + 1
meta["added_tokens"] += [
    added("<mask>", n, lstrip=True, special=True),
    added("<sep>", n + 1, rstrip=True, special=True),
    added("[WORD]", n + 2, single_word=True),
    added("hello world", n + 3, normalized=True),
    added("<|im_start|>", n + 4, special=True),
    added("<|im_end|>", n + 5, special=True),
]

for name, d in [("sp-bpe-legacy", legacy), ("sp-bpe-metaspace", meta)]:
    s = json.dumps(d, ensure_ascii=False, indent=2)
    Tokenizer.from_str(s)  # Hugging Face's library must load what is committed
    with gzip.open("%s/%s.tokenizer.json.gz" % (out, name), "wt", encoding="utf-8") as f:
        f.write(s)
