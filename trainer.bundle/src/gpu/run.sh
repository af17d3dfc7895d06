#!/usr/bin/env bash
# The CUDA backend's checks and benchmarks ON THE GPU MACHINE (no Java there, no network), from the
# repository root with .gpu/ carried (made here by trainer.bundle/src/gpu/prepare.sh):
#
#   bash trainer.bundle/src/gpu/run.sh        (OUT = the folder that comes back; default /tmp/cohort-gpu-out)
#
# Steps, in order, each under its own time limit, a failing one never stopping the next:
#   1. JUnit: the CUDA parity test classes (dev.cohort.trainer.internal.**.Cuda*Test; the Llama
#      family's ops and grouped-query attention first: CudaLlamaParityTest; then LoRA's products,
#      the frozen base's backward and dropout's mask: CudaLoraParityTest)        -> parity.txt, parity.xml
#   2. ModelBench train, GPT-2 124M, 8 x 1024: cuda fp32, tf32, bf16 (gemm auto), tf32 with own kernels,
#      tf32 and bf16 with the materialised (unfused) attention; then the Qwen2.5-0.5B shape
#      (--model qwen2.5-0.5b: 24 layers, 14 query heads over 2 key/value heads of 64, SwiGLU 4864,
#      vocab 151936), 8 x 1024: tf32, bf16, bf16 unfused, and a per-op profile; sampling 64 x 128
#   3. ModelBench sample, 64 x 128 new tokens: cuda tf32, fp32, with recorded steps (CUDA graphs,
#      the default) and op by op; the op-by-op parity; per-op profiles (plain, exact)
#   4. ModelBench grpo, examples/quickstart.yaml: cuda (tf32) recorded and op by op, java (all cores)
#   5. torch_baseline.py (transformers GPT-2, then Qwen2ForCausalLM of Qwen2.5-0.5B's shape with sdpa:
#      train tf32/bf16 8 x 1024, generate fp32/tf32; Qwen: 64 x 256 new tokens after 64)  -> torch.jsonl
#   6. hfref_transformers.py: the committed Llama-family fixtures against real transformers -> hfref.txt
# Files in $OUT (9): log.txt (everything), parity.txt, parity.xml, bench.jsonl, bench.txt, torch.jsonl,
# torch.txt, hfref.txt, hfref.jsonl.
# The whole run stops starting new steps after COHORT_GPU_BUDGET_S seconds (default 540).
# COHORT_GPU_STEPS=REGEX runs only the steps whose names match (bash =~), e.g. 'parity|sample'.
# Where Nsight Systems (nsys) is installed, a sampling run is also traced per kernel (nsys.txt).
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
cd "$ROOT"
OUT=${OUT:-/tmp/cohort-gpu-out}
mkdir -p "$OUT"
G="$ROOT/.gpu"
BUDGET=${COHORT_GPU_BUDGET_S:-540}
T_START=$(date +%s)
SUMMARY=()

say() { printf '\n[run.sh %s +%ss] %s\n' "$(date -u +%H:%M:%S)" "$(($(date +%s) - T_START))" "$*"; }

# step NAME LIMIT_S OUTFILE CMD...: runs CMD under timeout, output to the console and appended to OUTFILE
step() {
    local name=$1 limit=$2 file=$3
    shift 3
    if [ -n "${COHORT_GPU_STEPS:-}" ] && ! [[ $name =~ $COHORT_GPU_STEPS ]]; then
        return
    fi
    local left=$((BUDGET - ($(date +%s) - T_START)))
    if [ "$left" -lt 15 ]; then
        say "SKIP $name: the run's budget of ${BUDGET}s is spent"
        SUMMARY+=("$(printf '%-34s skipped (budget)' "$name")")
        return
    fi
    [ "$limit" -gt "$left" ] && limit=$left
    say "BEGIN $name (limit ${limit}s)"
    local t0=$(date +%s)
    { echo "=== $name"; } >> "$file"
    timeout -k 10 "$limit" "$@" 2>&1 | tee -a "$file"
    local rc=${PIPESTATUS[0]}
    local dt=$(($(date +%s) - t0))
    local what="exit $rc"
    [ "$rc" = 124 ] || [ "$rc" = 137 ] && what="TIMED OUT after ${limit}s"
    say "END $name: $what, ${dt}s"
    SUMMARY+=("$(printf '%-34s %-22s %4ss' "$name" "$what" "$dt")")
}

main() {
    say "Cohort GPU run in $ROOT, OUT=$OUT"
    [ -f "$G/MANIFEST.txt" ] && sed 's/^/  /' "$G/MANIFEST.txt"
    uname -a
    echo "cpus: $(nproc)"; free -g | head -2

    say "nvidia-smi"
    if command -v nvidia-smi >/dev/null; then
        timeout 30 nvidia-smi || echo "nvidia-smi failed"
        timeout 30 nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem,power.limit \
            --format=csv || true
    else
        echo "no nvidia-smi on this machine"
    fi

    say "cuBLAS"
    CUBLAS=""
    if command -v python3 >/dev/null; then
        CUBLAS=$(timeout 60 python3 - <<'EOF' 2>/dev/null
import glob, os, site, sys
roots = []
try:
    import nvidia.cublas as m  # the nvidia-cublas wheel (namespace package)
    roots += list(getattr(m, "__path__", []))
except Exception:
    pass
try:
    import nvidia
    roots += [p for p in getattr(nvidia, "__path__", [])]
except Exception:
    pass
try:
    roots += [os.path.join(p, "nvidia") for p in site.getsitepackages()]
except Exception:
    pass
hits = []
for r in roots:
    hits += glob.glob(os.path.join(r, "**", "libcublas.so.13*"), recursive=True)
exact = sorted(h for h in hits if os.path.basename(h) == "libcublas.so.13")
print((exact or sorted(hits) or [""])[0])
EOF
)
    fi
    if [ -z "$CUBLAS" ]; then
        CUBLAS=$(find /opt/torch/.venv /usr/local/lib /usr/local/cuda* /usr/lib/x86_64-linux-gnu -name 'libcublas.so.13*' \
            2>/dev/null | sort | head -1)
    fi
    JAVA_LD=""
    if [ -n "$CUBLAS" ]; then
        echo "libcublas: $CUBLAS"
        # libcublasLt and the CUDA runtime wheels' folders, for libcublas's own dependencies
        JAVA_LD=$(dirname "$CUBLAS")
        for d in $(dirname "$(dirname "$CUBLAS")")/*/lib "$(dirname "$(dirname "$(dirname "$CUBLAS")")")"/*/lib; do
            [ -d "$d" ] && case ":$JAVA_LD:" in *":$d:"*) ;; *) JAVA_LD="$JAVA_LD:$d" ;; esac
        done
        echo "LD_LIBRARY_PATH for Java: $JAVA_LD"
    else
        echo "no libcublas.so.13 found: gemm auto falls back to the own kernels, gemm cublas fails"
    fi

    say "JRE"
    JRE=/tmp/cohort-jre
    JAVA="$JRE/jre/bin/java"
    if [ -f "$G/jre.tar.gz" ]; then
        rm -rf "$JRE" && mkdir -p "$JRE" && tar -xzf "$G/jre.tar.gz" -C "$JRE" && "$JAVA" -version 2>&1 | head -2
    else
        echo "no $G/jre.tar.gz: run trainer.bundle/src/gpu/prepare.sh on the build machine and carry .gpu"
    fi
    [ -x "$JAVA" ] || { JAVA=$(command -v java || echo java); echo "falling back to '$JAVA'"; }

    say "libcohortcuda.so"
    LIB="$G/libcohortcuda.so"
    if [ ! -f "$LIB" ]; then
        echo "no carried $LIB; building it here from trainer.bundle/src/main/cuda"
        LIB=/tmp/cohort-build/libcohortcuda.so
        mkdir -p /tmp/cohort-build
        if command -v nvcc >/dev/null && [ -f "$G/jni/include/jni.h" ]; then
            # the fragment's build script (same nvcc flags); .gpu/jni is laid out as a JDK's include/
            timeout 300 bash trainer.bundle/cuda.linux.x86_64/build-native.sh trainer.bundle/src/main/cuda "$LIB" \
                "$G/jni" false || echo "nvcc failed"
        else
            echo "no nvcc or no JNI headers in .gpu/jni/include"
        fi
    fi
    ls -la "$LIB" 2>&1

    CP="$G/cp/*"
    # timeout runs commands, not shell functions: the Java command lines as arrays
    JCMD=(env "LD_LIBRARY_PATH=$JAVA_LD${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$JAVA" -XX:+UseParallelGC
        "-Dcohort.cuda.library=$LIB")
    [ -n "$CUBLAS" ] && JCMD+=("-Dcohort.cuda.cublas=$CUBLAS")
    BENCH=("${JCMD[@]}" -Xmx16g -cp "$CP" dev.cohort.trainer.internal.bench.ModelBench)
    # decoding op by op instead of replaying recorded steps (CUDA graphs, the default)
    BENCH_OPS=("${JCMD[@]}" -Dcohort.cuda.graphs=false -Xmx16g -cp "$CP" dev.cohort.trainer.internal.bench.ModelBench)
    J=(--json "$OUT/bench.jsonl")

    # 1. parity tests, one JVM per test method: a kernel fault poisons its CUDA context (and the
    #    process), so each method gets a fresh one and reports on its own
    rm -rf /tmp/cohort-reports
    P=dev.cohort.trainer.internal.backend.CudaParityTest
    L=dev.cohort.trainer.internal.backend.CudaLlamaParityTest
    R=dev.cohort.trainer.internal.backend.CudaLoraParityTest
    GEMM='dev.cohort.trainer.internal.backend.CudaBackend$Gemm'
    for sel in "$L#rmsNorm" "$L#headRmsNorm" "$L#ropeAndSwiglu" "$L#embeddingWithoutLearnedPositions" \
        "$L#groupedQueryAttention($GEMM)" "$L#fusedGroupedQueryAttention" "$L#groupedQueryCachedStep" \
        "$L#groupedQueryBf16KvCache" "$R#loraFp32($GEMM)" "$R#loraTf32" "$R#frozenBaseBackward" \
        "$R#dropoutMaskIsTheJavaBackendsBitForBit" "$P#layerNormAndPointwise" "$P#embeddingAndAdamW" "$P#logprobsOverTheGpt2Vocabulary" \
        "$P#samplingMatchesTheJavaSamplerDrawForDraw" "$P#cachedAttentionStep" "$P#errorsNameTheTensorAndShapes" \
        "$P#matmul($GEMM)" "$P#attention($GEMM)" "$P#fusedAttention" "$P#fewRowsGemm" "$P#bf16KvCache" "$P#reducedPrecisionErrorIsMeasured" \
        "dev.cohort.trainer.internal.model.CudaModelParityTest#forwardLogprobsGradientsAndGreedyTokensMatch(java.lang.String)" \
        "dev.cohort.trainer.internal.run.CudaGrpoParityTest#lossesTrackTheJavaRun"; do
        name=${sel##*#}
        limit=150
        case "$name" in forwardLogprobs*) limit=240 ;; esac  # gpt2, small, tiny-llama, tiny-qwen3
        step "parity ${name%%(*}" "$limit" "$OUT/parity.txt" \
            "${JCMD[@]}" -Xmx32g -cp "$CP" org.junit.platform.console.ConsoleLauncher execute --disable-banner \
            --details=tree --details-theme=ascii --disable-ansi-colors --select-method "$sel" \
            --reports-dir "/tmp/cohort-reports/${name%%(*}"
    done
    cat /tmp/cohort-reports/*/TEST-junit-jupiter.xml > "$OUT/parity.xml" 2>/dev/null || true

    # 2. training step, GPT-2 124M, 8 x 1024
    step "train cuda fp32 auto" 75 "$OUT/bench.txt" "${BENCH[@]}" train --backend cuda --matmul fp32 --gemm auto "${J[@]}"
    step "train cuda tf32 auto" 60 "$OUT/bench.txt" "${BENCH[@]}" train --backend cuda --matmul tf32 --gemm auto "${J[@]}"
    step "train cuda bf16 auto" 60 "$OUT/bench.txt" "${BENCH[@]}" train --backend cuda --matmul bf16 --gemm auto "${J[@]}"
    step "train cuda tf32 own" 75 "$OUT/bench.txt" "${BENCH[@]}" train --backend cuda --matmul tf32 --gemm own "${J[@]}"

    # the materialised attention (-Dcohort.cuda.fusedAttention=false) against the fused default above
    UNFUSED=("${JCMD[@]}" -Dcohort.cuda.fusedAttention=false -Xmx16g -cp "$CP" dev.cohort.trainer.internal.bench.ModelBench)
    step "train cuda tf32 unfused attention" 60 "$OUT/bench.txt" "${UNFUSED[@]}" train --backend cuda --matmul tf32 \
        --gemm auto "${J[@]}"
    step "train cuda bf16 unfused attention" 60 "$OUT/bench.txt" "${UNFUSED[@]}" train --backend cuda --matmul bf16 \
        --gemm auto "${J[@]}"
    # the Qwen2.5-0.5B shape (grouped-query attention, rotary, RMSNorm, SwiGLU, tied 151936-token head)
    Q=(--model qwen2.5-0.5b)
    step "train cuda tf32 qwen2.5-0.5b" 90 "$OUT/bench.txt" "${BENCH[@]}" train "${Q[@]}" --backend cuda --matmul tf32 \
        --gemm auto "${J[@]}"
    step "train cuda bf16 qwen2.5-0.5b" 90 "$OUT/bench.txt" "${BENCH[@]}" train "${Q[@]}" --backend cuda --matmul bf16 \
        --gemm auto "${J[@]}"
    step "train cuda bf16 unfused attention qwen2.5-0.5b" 90 "$OUT/bench.txt" "${UNFUSED[@]}" train "${Q[@]}" \
        --backend cuda --matmul bf16 --gemm auto "${J[@]}"
    step "profile train cuda bf16 qwen2.5-0.5b" 90 "$OUT/bench.txt" env COHORT_CUDA_PROFILE=1 "${BENCH[@]}" train \
        "${Q[@]}" --backend cuda --matmul bf16 --gemm auto --warmup 1 --steps 3
    step "sample cuda tf32 qwen2.5-0.5b" 90 "$OUT/bench.txt" "${BENCH[@]}" sample "${Q[@]}" --backend cuda \
        --matmul tf32 --gemm auto "${J[@]}"

    step "profile train cuda tf32" 60 "$OUT/bench.txt" env COHORT_CUDA_PROFILE=1 "${BENCH[@]}" train --backend cuda \
        --matmul tf32 --gemm auto --warmup 1 --steps 3
    step "profile train cuda bf16" 60 "$OUT/bench.txt" env COHORT_CUDA_PROFILE=1 "${BENCH[@]}" train --backend cuda \
        --matmul bf16 --gemm auto --warmup 1 --steps 3

    # 3. sampling, 64 x 128 new tokens: recorded steps (the default), then op by op
    step "sample cuda tf32 auto" 60 "$OUT/bench.txt" "${BENCH[@]}" sample --backend cuda --matmul tf32 --gemm auto "${J[@]}"
    step "sample cuda fp32 auto" 60 "$OUT/bench.txt" "${BENCH[@]}" sample --backend cuda --matmul fp32 --gemm auto "${J[@]}"
    # the own TF32 kernel for few-row products (opt-in: -Dcohort.cuda.fewRowsGemm=true) against cuBLAS above
    step "sample cuda tf32 few-row gemm" 60 "$OUT/bench.txt" "${JCMD[@]}" -Dcohort.cuda.fewRowsGemm=true -Xmx16g \
        -cp "$CP" dev.cohort.trainer.internal.bench.ModelBench sample --backend cuda --matmul tf32 --gemm auto "${J[@]}"
    step "sample cuda tf32 bf16 kv cache" 60 "$OUT/bench.txt" "${JCMD[@]}" -Dcohort.cuda.bf16KvCache=true -Xmx16g \
        -cp "$CP" dev.cohort.trainer.internal.bench.ModelBench sample --backend cuda --matmul tf32 --gemm auto "${J[@]}"
    step "sample cuda tf32 few-row gemm bf16 kv" 60 "$OUT/bench.txt" "${JCMD[@]}" -Dcohort.cuda.fewRowsGemm=true \
        -Dcohort.cuda.bf16KvCache=true -Xmx16g -cp "$CP" dev.cohort.trainer.internal.bench.ModelBench sample \
        --backend cuda --matmul tf32 --gemm auto "${J[@]}"
    step "sample cuda tf32 op by op" 60 "$OUT/bench.txt" "${BENCH_OPS[@]}" sample --backend cuda --matmul tf32 \
        --gemm auto "${J[@]}"
    step "sample cuda fp32 op by op" 60 "$OUT/bench.txt" "${BENCH_OPS[@]}" sample --backend cuda --matmul fp32 \
        --gemm auto "${J[@]}"
    # the parity of decoding op by op (the parity steps above replay recorded steps)
    step "parity model op by op" 240 "$OUT/parity.txt" \
        "${JCMD[@]}" -Dcohort.cuda.graphs=false -Xmx32g -cp "$CP" org.junit.platform.console.ConsoleLauncher execute \
        --disable-banner --details=tree --details-theme=ascii --disable-ansi-colors \
        --select-method "dev.cohort.trainer.internal.model.CudaModelParityTest#forwardLogprobsGradientsAndGreedyTokensMatch(java.lang.String)" \
        --select-method "dev.cohort.trainer.internal.run.CudaGrpoParityTest#lossesTrackTheJavaRun"
    step "profile sample cuda tf32" 60 "$OUT/bench.txt" env COHORT_CUDA_PROFILE=1 "${BENCH[@]}" sample --backend cuda \
        --matmul tf32 --gemm auto --warmup 1 --steps 1
    NSYS=$(command -v nsys || ls /usr/local/cuda/bin/nsys /opt/nvidia/nsight-systems/*/bin/nsys 2>/dev/null | head -1)
    if [ -n "$NSYS" ]; then
        step "nsys sample cuda tf32" 120 "$OUT/nsys.txt" bash -c '"$0" profile -f true -o /tmp/cohort-nsys \
            --trace=cuda --cuda-graph-trace=node "${@}" >/dev/null && "$0" stats -q --report cuda_gpu_kern_sum \
            --format table /tmp/cohort-nsys.nsys-rep' "$NSYS" "${BENCH[@]}" sample --backend cuda --matmul tf32 \
            --gemm auto --warmup 1 --steps 1
    else
        echo "no nsys on this machine (CUDA tools: $(ls /usr/local/cuda/bin 2>/dev/null | tr '\n' ' '))"
    fi
    # op by op, each op's kernels timed alone (a decoding step is launch-bound, so plain event pairs
    # would time the host's gaps): where the GPU time of a step goes
    step "profile exact sample cuda tf32" 60 "$OUT/bench.txt" env COHORT_CUDA_PROFILE=exact "${BENCH_OPS[@]}" \
        sample --backend cuda --matmul tf32 --gemm auto --warmup 1 --steps 1
    step "profile exact sample cuda tf32 few-row gemm" 60 "$OUT/bench.txt" env COHORT_CUDA_PROFILE=exact \
        "${JCMD[@]}" -Dcohort.cuda.graphs=false -Dcohort.cuda.fewRowsGemm=true -Xmx16g -cp "$CP" \
        dev.cohort.trainer.internal.bench.ModelBench sample --backend cuda --matmul tf32 --gemm auto --warmup 1 --steps 1
    step "profile exact sample cuda fp32" 60 "$OUT/bench.txt" env COHORT_CUDA_PROFILE=exact "${BENCH_OPS[@]}" \
        sample --backend cuda --matmul fp32 --gemm auto --warmup 1 --steps 1

    # 4. GRPO steps of the quick start
    step "grpo cuda tf32 auto" 60 "$OUT/bench.txt" "${BENCH[@]}" grpo --backend cuda --matmul tf32 --gemm auto "${J[@]}"
    step "grpo cuda tf32 op by op" 60 "$OUT/bench.txt" "${BENCH_OPS[@]}" grpo --backend cuda --matmul tf32 --gemm auto \
        "${J[@]}"
    step "grpo java" 60 "$OUT/bench.txt" "${BENCH[@]}" grpo --backend java "${J[@]}"

    # 5. PyTorch baseline
    PY="$HERE/torch_baseline.py"
    [ -f "$PY" ] || PY="$G/torch_baseline.py"
    step "torch baseline" 150 "$OUT/torch.txt" env PYTHONUNBUFFERED=1 python3 "$PY" --json "$OUT/torch.jsonl"
    step "torch baseline qwen2.5-0.5b" 240 "$OUT/torch.txt" env PYTHONUNBUFFERED=1 python3 "$PY" --model qwen2.5-0.5b \
        --json "$OUT/torch.jsonl"

    # 6. The Llama-family fixtures (src/test/resources/hfref) against real transformers (float64, CPU):
    #    the references HfReferenceTest checks Cohort against, checked in turn
    HFREF="$HERE/hfref_transformers.py"
    [ -f "$HFREF" ] || HFREF="$G/hfref_transformers.py"
    step "hfref transformers" 180 "$OUT/hfref.txt" env PYTHONUNBUFFERED=1 python3 "$HFREF" \
        --fixtures "$ROOT/trainer.bundle/src/test/resources/hfref" --json "$OUT/hfref.jsonl"

    for f in hs_err_pid*.log; do [ -f "$f" ] && mv "$f" "$OUT/"; done
    say "summary"
    printf '%s\n' "${SUMMARY[@]}"
    echo "JSON lines: bench.jsonl $(cat "$OUT/bench.jsonl" 2>/dev/null | wc -l), torch.jsonl $(cat "$OUT/torch.jsonl" 2>/dev/null | wc -l)"
}

main "$@" 2>&1 | tee -a "$OUT/log.txt"
exit 0
