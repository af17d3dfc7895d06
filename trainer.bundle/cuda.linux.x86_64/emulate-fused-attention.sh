#!/usr/bin/env bash
# The fused attention kernels (src/main/cuda/fused_attention.cuh) run on the CPU against a model of
# the CUDA calls they use (src/test/cuda/fused_attention_emulation.cpp says what it checks and how),
# compared with a double-precision attention. Run by the CUDA fragment's build in its test phase;
# needs g++ with C++20 and skips, saying so, without it. A failed comparison fails the build.
#
#   emulate-fused-attention.sh HEADER_DIR TEST_SOURCE WORK_DIR
set -euo pipefail
header_dir=$1
test_src=$2
work=$3
if ! command -v g++ >/dev/null 2>&1; then
    echo "fused attention emulation: skipped, no g++ on the PATH"
    exit 0
fi
mkdir -p "$work"
exe="$work/fused_attention_emulation"
g++ -std=c++20 -O2 -pthread -I "$header_dir" "$test_src" -o "$exe"
"$exe"
