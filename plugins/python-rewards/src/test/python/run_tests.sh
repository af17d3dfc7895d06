#!/usr/bin/env bash
# Runs the reward server's Python tests (standard library only) and prints their report only when one
# fails, so that `mvn -q verify` prints nothing but failures.
set -uo pipefail
dir="$(cd "$(dirname "$0")" && pwd)"
report="$(mktemp)"
trap 'rm -f "$report"' EXIT
if PYTHONDONTWRITEBYTECODE=1 python3 -m unittest discover -q -s "$dir" > "$report" 2>&1; then
    exit 0
fi
cat "$report"
exit 1
