#!/usr/bin/env bash
# Kernel headers of src/main/cuda run on the CPU against a model of the CUDA calls they use
# (src/test/cuda/cuda_model.h says what it models): each src/test/cuda/*_emulation.cpp compiles
# one header with g++ and compares its kernels with a double-precision reference. Run by the CUDA
# fragment's build in its test phase; needs g++ with C++20 and skips, saying so, without it. A
# failed comparison fails the build and prints that test's report; a passing one prints nothing
# (its report is in WORK_DIR/<name>.txt), so that `mvn -q verify` prints only failures.
#
#   emulate-kernels.sh HEADER_DIR TEST_DIR WORK_DIR
set -euo pipefail
header_dir=$1
test_dir=$2
work=$3
if ! command -v g++ >/dev/null 2>&1; then
    echo "kernel emulation: skipped, no g++ on the PATH"
    exit 0
fi
mkdir -p "$work"
for src in "$test_dir"/*_emulation.cpp; do
    exe="$work/$(basename "$src" .cpp)"
    g++ -std=c++20 -O2 -pthread -I "$header_dir" -I "$test_dir" "$src" -o "$exe"
    if ! "$exe" > "$exe.txt" 2>&1; then
        cat "$exe.txt"
        echo "kernel emulation: $(basename "$src") failed (report above, also in $exe.txt)" >&2
        exit 1
    fi
done
