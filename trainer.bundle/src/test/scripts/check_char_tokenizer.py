"""Loads the character tokenizer's tokenizer.json that Cohort writes (TokenizerFiles.write of a
CharTokenizer) with Hugging Face's tokenizers and records its ids and decodes, for
CharTokenizerJsonTest to compare with CharTokenizer.

    /tmp/venv/bin/python check_char_tokenizer.py ../resources/tokenizer/char
"""
import json
import sys

import tokenizers
from tokenizers import Tokenizer

d = sys.argv[1]
tok = Tokenizer.from_file(d + "/tokenizer.json")
texts = ["12+34=", "0123456789+= abcé😀", "", "a b  c", "1+1=2<|endoftext|>", "<|endoftext|>9", "é😀é"]
cases = []
for t in texts:
    ids = tok.encode(t, add_special_tokens=True).ids
    assert ids == tok.encode(t, add_special_tokens=False).ids
    cases.append({"text": t, "ids": ids, "decoded": tok.decode(ids, skip_special_tokens=False),
                  "decoded_skipping_special": tok.decode(ids, skip_special_tokens=True)})
out = {"tokenizers_version": tokenizers.__version__, "vocab_size": tok.get_vocab_size(), "cases": cases}
with open(d + "/expected.json", "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False, indent=1)
    f.write("\n")
