#!/usr/bin/env bash
# Fills .gpu/ at the repository root with what the GPU machine needs to run the CUDA backend's
# parity tests and benchmarks (trainer.bundle/src/gpu/run.sh there), which has no Java and no
# network: a jlink'ed JRE, the trainer's classes, test classes and dependency jars, the JUnit
# console launcher, libcohortcuda.so, the JNI headers (to build the library there if none is
# carried), the PyTorch baseline and run.sh. Runs HERE (the build machine), from anywhere in the
# repository:
#
#   bash trainer.bundle/src/gpu/prepare.sh [--no-build] [--lib PATH/libcohortcuda.so]
#
# --no-build   use the classes already in trainer.bundle/target (else: mvn -o install of
#              cnf, core.bundle, trainer.bundle and any CUDA native module, tests skipped)
# --lib PATH   the native library to carry (else: the CUDA native module's build output if it is
#              newer than the CUDA sources, else built here with nvcc from trainer.bundle/src/main/cuda)
#
# .gpu/ is ignored (.gitignore, and info/exclude for older checkouts); the lead then runs, with .gpu carried:
#   bash trainer.bundle/src/gpu/run.sh
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(git -C "$HERE" rev-parse --show-toplevel)
cd "$ROOT"
G="$ROOT/.gpu"
JDK=${JDK:-/usr/lib/jvm/java-17-openjdk-amd64}
CONSOLE_VERSION=1.11.4   # junit-bom 5.11.4 -> platform 1.11.4
BUILD=1
LIB=""
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) BUILD=0 ;;
        --lib) LIB="$2"; shift ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) if [ -f "$1" ]; then LIB="$1"; else echo "prepare.sh: unknown argument $1" >&2; exit 2; fi ;;
    esac
    shift
done
say() { printf '[prepare] %s\n' "$*"; }

# 0. .gpu/ ignored (worktrees share the common git dir's info/exclude)
EXCLUDE="$(git rev-parse --git-common-dir)/info/exclude"
mkdir -p "$(dirname "$EXCLUDE")"
touch "$EXCLUDE"
if ! grep -qxF '/.gpu/' "$EXCLUDE"; then
    echo '/.gpu/' >> "$EXCLUDE"
    say "added /.gpu/ to $EXCLUDE"
fi

# 1. build
if [ "$BUILD" = 1 ]; then
    MODULES="cnf,core.bundle,trainer.bundle"
    # the CUDA fragment's Maven module, where it exists (its name is not fixed yet)
    for pom in trainer.bundle/cuda.linux.x86_64/pom.xml cuda.linux.x86_64/pom.xml trainer.cuda*/pom.xml; do
        if [ -f "$pom" ] && grep -q "<module>$(dirname "$pom")</module>" pom.xml 2>/dev/null; then
            MODULES="$MODULES,$(dirname "$pom")"
        fi
    done
    say "mvn -q -B -o install -pl $MODULES -DskipTests"
    mvn -q -B -o install -pl "$MODULES" -DskipTests
fi
for d in trainer.bundle/target/classes trainer.bundle/target/test-classes; do
    [ -d "$d" ] || { echo "prepare.sh: $d is missing: build first (without --no-build)" >&2; exit 1; }
done
[ -f trainer.bundle/target/test-classes/dev/cohort/trainer/internal/bench/ModelBench.class ] \
    || { echo "prepare.sh: ModelBench is not compiled" >&2; exit 1; }

rm -rf "$G"
mkdir -p "$G/cp" "$G/jni/include/linux"

# 2. JRE (jlink): what the trainer, its dependencies and the JUnit launcher use (jdeps:
#    java.sql in Jackson, jdk.management; jdk.zipfs for JUnit's scan of a jar; the rest as
#    TOOLCHAIN.md lists). Not java.desktop (12 MB): Jackson's use of java.beans is optional, and
#    HfReferenceTest, GrpoTrainerTest and LoraGrpoTest pass on this JRE without it.
MODS=java.base,java.logging,java.xml,java.naming,java.management,java.net.http,jdk.unsupported,java.sql,jdk.management,jdk.zipfs
TMPJ=$(mktemp -d)
trap 'rm -rf "$TMPJ"' EXIT
say "jlink $MODS"
"$JDK/bin/jlink" --add-modules "$MODS" --strip-debug --no-header-files --no-man-pages --compress=2 \
    --output "$TMPJ/jre"
"$TMPJ/jre/bin/java" -version 2>&1 | head -1 | sed 's/^/[prepare] jre: /'
tar -C "$TMPJ" -czf "$G/jre.tar.gz" jre

# 3. class path: classes as jars, the test-scope dependencies (less JUnit's, which the console
#    launcher bundles, and DJL's Rust tokenizers with JNA, 21 MB that only the tokenizer tests
#    use: the GPU steps never load them), the console launcher
"$JDK/bin/jar" --create --file "$G/cp/trainer-classes.jar" -C trainer.bundle/target/classes .
"$JDK/bin/jar" --create --file "$G/cp/trainer-test-classes.jar" -C trainer.bundle/target/test-classes .
CPFILE="$TMPJ/cp.txt"
(cd trainer.bundle && mvn -q -B -o dependency:build-classpath -Dmdep.outputFile="$CPFILE" -Dmdep.includeScope=test >/dev/null)
tr ':' '\n' < "$CPFILE" | while read -r jar; do
    [ -n "$jar" ] || continue
    case "$jar" in
        */ai/djl/*|*/net/java/dev/jna/*) continue ;;
    esac
    case "$(basename "$jar")" in
        junit-*|opentest4j-*|apiguardian-*) ;;
        *) cp "$jar" "$G/cp/" ;;
    esac
done
ART=org.junit.platform:junit-platform-console-standalone:$CONSOLE_VERSION
if ! mvn -q -B -o dependency:copy -Dartifact="$ART" -DoutputDirectory="$G/cp" >/dev/null 2>&1; then
    say "console launcher not in ~/.m2; fetching $ART"
    mvn -q -B dependency:copy -Dartifact="$ART" -DoutputDirectory="$G/cp"
fi

# 4. native library
SRC_DIR=trainer.bundle/src/main/cuda
NATIVE_BUILD=trainer.bundle/cuda.linux.x86_64/build-native.sh
newest_src=0
if [ -d "$SRC_DIR" ]; then
    newest_src=$(find "$SRC_DIR" -type f -printf '%T@\n' | sort -n | tail -1 | cut -d. -f1)
fi
if [ -z "$LIB" ]; then
    for cand in trainer.bundle/cuda.linux.x86_64/target/native/linux-x86_64/libcohortcuda.so \
                cuda.linux.x86_64/target/native/linux-x86_64/libcohortcuda.so \
                $(find . -path ./.gpu -prune -o -path '*/target/*' -name libcohortcuda.so -print 2>/dev/null); do
        if [ -f "$cand" ]; then
            if [ "$(stat -c %Y "$cand")" -ge "${newest_src:-0}" ]; then
                LIB="$cand"
                break
            fi
            say "ignoring $cand: older than the sources in $SRC_DIR"
        fi
    done
fi
LIB_ORIGIN=""
if [ -n "$LIB" ]; then
    cp "$LIB" "$G/libcohortcuda.so"
    LIB_ORIGIN="copied from $LIB"
elif command -v nvcc >/dev/null && ls "$SRC_DIR"/*.cu >/dev/null 2>&1; then
    say "building libcohortcuda.so with $(command -v nvcc) from $SRC_DIR"
    # the fragment's own build script, so the flags are the fragment's
    bash "$NATIVE_BUILD" "$SRC_DIR" "$G/libcohortcuda.so" "$JDK" false
    rm -f "$G/libcohortcuda.so.cmd"
    LIB_ORIGIN="built here by $NATIVE_BUILD: nvcc $(nvcc --version | sed -n 's/.*release \([0-9.]*\).*/\1/p') -O3 sm_90 + compute_90 PTX, static cudart"
else
    say "WARNING: no libcohortcuda.so (no --lib, no module build, no nvcc or no sources): run.sh will try nvcc there"
    LIB_ORIGIN="none carried"
fi
# laid out as in a JDK, so that run.sh can hand "$G/jni" to build-native.sh as the JDK
cp "$JDK/include/jni.h" "$G/jni/include/"
cp "$JDK/include/linux/jni_md.h" "$G/jni/include/linux/"

# the JNI surface's version on both sides: a library built from other sources would fail every test
ABI_NATIVE=$(sed -n 's/^constexpr int ABI_VERSION = \([0-9]*\);/\1/p' "$SRC_DIR/cohort_cuda.cu")
ABI_JAVA=$(sed -n 's/.*static final int ABI = \([0-9]*\);/\1/p' \
    trainer.bundle/src/main/java/dev/cohort/trainer/internal/backend/CudaNative.java)
if [ "$ABI_NATIVE" != "$ABI_JAVA" ]; then
    echo "prepare.sh: cohort_cuda.cu has ABI $ABI_NATIVE but CudaNative.java $ABI_JAVA" >&2
    exit 1
fi

# 5. the scripts
cp "$HERE/torch_baseline.py" "$HERE/run.sh" "$G/"

# 6. manifest and sizes
{
    echo "prepared $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname)"
    echo "commit $(git rev-parse HEAD)$(git diff --quiet HEAD -- trainer.bundle || echo ' (trainer.bundle has uncommitted changes)')"
    echo "jre: jlink of $("$JDK/bin/java" -version 2>&1 | head -1), modules $MODS"
    echo "libcohortcuda.so: $LIB_ORIGIN (JNI ABI $ABI_NATIVE)"
    [ -f "$G/libcohortcuda.so" ] && echo "libcohortcuda.so sha256 $(sha256sum "$G/libcohortcuda.so" | cut -d' ' -f1)"
    echo "class path:"
    ls -1 "$G/cp" | sed 's/^/  /'
} > "$G/MANIFEST.txt"
cat "$G/MANIFEST.txt" | sed 's/^/[prepare] /'
gpu_kib=$(du -sk "$G" | cut -f1)
tree_kib=$( { git ls-files -z; git ls-files -z -o --exclude-standard; } | du -ck --files0-from=- 2>/dev/null | tail -1 | cut -f1)
say "$(du -sh "$G" | cut -f1) in .gpu ($(find "$G" -type f | wc -l) files); working tree that travels besides: $((tree_kib / 1024)) MiB;" \
    "together $(((gpu_kib + tree_kib) / 1024)) MiB of the 64 MiB limit"
if [ $((gpu_kib + tree_kib)) -gt $((60 * 1024)) ]; then
    say "WARNING: over 60 MiB together: the device tool refuses more than 64 MiB"
fi
say "done: on the GPU machine run 'bash trainer.bundle/src/gpu/run.sh' with .gpu carried (OUT set)"
