#!/usr/bin/env bash
# Builds libcohortcuda.so for the CUDA fragment from every trainer.bundle/src/main/cuda/*.cu.
# Run by the module's pom.xml (exec-maven-plugin) in the compile phase:
#   build-native.sh SOURCE_DIR OUTPUT_FILE JAVA_HOME SKIP
# Without nvcc on the PATH, with SKIP=true or without sources it removes OUTPUT_FILE and says so
# in one line; the fragment is then packaged without the library (bnd.bnd). It recompiles only
# when a source, a header or this script is newer than the library or the nvcc command line
# changed (a source added or removed, another JDK). A failed compile exits with nvcc's status
# and messages and leaves no library behind it.
set -euo pipefail

src_dir=$(cd "$1" 2>/dev/null && pwd || echo "$1")
out=$2
java_home=$3
skip=${4:-false}
name=dev.cohort.trainer.cuda.linux.x86_64

without() {
    rm -f "$out" "$out.cmd"
    echo "CUDA fragment: $1; building $name without libcohortcuda.so (the trainer uses the Java backend)"
    exit 0
}

[ "$skip" = true ] && without "cohort.cuda.skip=true"
shopt -s nullglob
sources=("$src_dir"/*.cu)
headers=("$src_dir"/*.cuh "$src_dir"/*.h)
[ ${#sources[@]} -gt 0 ] || without "no CUDA sources in $src_dir"
command -v nvcc >/dev/null 2>&1 || without "nvcc not on the PATH"

# The JDK's JNI headers: Maven's java.home is the JDK root on 11+ (a JRE inside it on 8).
include=""
for d in "$java_home" "$java_home/.."; do
    if [ -f "$d/include/jni.h" ]; then
        include=$(cd "$d/include" && pwd)
        break
    fi
done
if [ -z "$include" ]; then
    echo "CUDA fragment: no jni.h under $java_home/include: build with a JDK, not a JRE" >&2
    exit 1
fi

# sm_90 machine code plus compute_90 PTX (the driver compiles it for newer GPUs); the CUDA
# runtime linked statically, so only the driver (libcuda.so.1) is needed at run time; cuBLAS is
# not linked: the library opens it with dlopen when it is there.
cmd=(nvcc -O3 -std=c++17 -shared -Xcompiler -fPIC -lineinfo --cudart static
    -gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90
    -I"$include" -I"$include/linux" -I"$src_dir"
    -o "$out.tmp" "${sources[@]}" -ldl -lpthread -lrt)

# Up to date: built by this very command line (same sources, flags and JDK) after every
# input last changed.
stamp="$out.cmd"
if [ -f "$out" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "${cmd[*]}" ]; then
    stale=false
    for f in "${sources[@]}" "${headers[@]}" "$0"; do
        if [ "$f" -nt "$out" ]; then
            stale=true
            break
        fi
    done
    if [ "$stale" = false ]; then
        exit 0 # up to date
    fi
fi

mkdir -p "$(dirname "$out")"
rm -f "$stamp" "$out"
trap 'rm -f "$out.tmp"' EXIT
"${cmd[@]}"
mv "$out.tmp" "$out"
echo "${cmd[*]}" > "$stamp"
