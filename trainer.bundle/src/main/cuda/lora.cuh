// LoRA's added product and dropout (CUDA C++, included by cohort_cuda.cu), as the Java backend
// computes them (backend/Lora.java). Self-contained, so that src/test/cuda/lora_emulation.cpp can
// compile it for the CPU against a model of CUDA.
//
// With inp (N, C), A (R, C), B (OC, R) and a frozen product's output (N, LDO) whose columns
// [col, col + OC) the adapter adds to:
//   forward   h (N, R)      = scale * inp . A^T
//             out[:, cols] += h . B^T
//   backward  dB (OC, R)   += dout[:, cols]^T . h
//             dh (N, R)     = scale * dout[:, cols] . B
//             dA (R, C)    += dh^T . inp
//             dinp (N, C)  += dh . A          (when dinp is given)
// The products go through the caller's GEMM (cohort_cuda.cu's gemm: cuBLAS or the own kernel, in
// the backend's precision): gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc) computes the
// row-major C (M, N) = alpha op(A) op(B) + beta C, op(A) M x K, op(B) K x N.
#pragma once
#include <cstddef>
#include <cstdint>

#include "reduce.cuh"

namespace lora {

constexpr uint64_t GOLDEN = 0x9E3779B97F4A7C15ull;

__host__ __device__ inline uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// SplitMix64.seed(seed, i) of the Java backend: the hash that decides element i's fate.
__host__ __device__ inline uint64_t hash(uint64_t seed, uint64_t i) {
    return mix(seed + mix(i + GOLDEN));
}

// Lora.kept: element i survives when the hash's top 24 bits, as a fraction of 2^24, are at least p.
// Java compares in double; the fraction (24 bits times a power of two) and p are exact in float,
// so the float comparison decides the same.
__host__ __device__ inline bool kept(uint64_t seed, uint64_t i, float p) {
    return (float)(hash(seed, i) >> 40) * 0x1.0p-24f >= p;
}

// out = kept ? inp * keepScale : 0 (forward), or out += that (backward: out is dinp, inp dout).
// The product is rounded on its own (__fmul_rn: never fused into the add) as Java rounds it.
template <typename I>
__global__ void dropoutKernel(float* out, const float* inp, size_t n, float p, float keepScale, uint64_t seed,
                              bool backward) {
    for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < (I)n; i += (I)gridDim.x * blockDim.x) {
        float v = kept(seed, (uint64_t)i, p) ? __fmul_rn(inp[i], keepScale) : 0.0f;
        out[i] = backward ? out[i] + v : v;
    }
}

}  // namespace lora

// ------------------------------------------------------------------------------------------ launchers

// Inverted dropout over n elements, forward (out = ...) or backward (out += ...); keepScale is
// 1 / (1 - p) in float, computed on the host as Java computes it.
inline void dropout(cudaStream_t st, int maxBlocks, float* out, const float* inp, size_t n, float p, uint64_t seed,
                    bool backward) {
    float keepScale = 1.0f / (1.0f - p);
    if (n < 0x7fffffffu)
        COHORT_LAUNCH(lora::dropoutKernel<unsigned>, blocksFor(n, maxBlocks), 256, 0, st, out, inp, n, p, keepScale,
                      seed, backward);
    else
        COHORT_LAUNCH(lora::dropoutKernel<size_t>, blocksFor(n, maxBlocks), 256, 0, st, out, inp, n, p, keepScale,
                      seed, backward);
}

// h (N, R) = scale * inp . A^T, then out[:, col:col+OC] += h . B^T.
template <class Gemm>
void loraForward(Gemm gemm, float* out, int ldo, int col, float* h, const float* inp, const float* a, const float* b,
                 int n, int c, int r, int oc, float scale) {
    gemm(false, true, n, r, c, scale, inp, c, a, c, 0.0f, h, r);
    gemm(false, true, n, oc, r, 1.0f, h, r, b, r, 1.0f, out + col, ldo);
}

// dB += dout[:, cols]^T . h; dh = scale * dout[:, cols] . B; dA += dh^T . inp; dinp += dh . A.
template <class Gemm>
void loraBackward(Gemm gemm, float* dinp, float* da, float* db, float* dh, const float* dout, int ldo, int col,
                  const float* inp, const float* h, const float* a, const float* b, int n, int c, int r, int oc,
                  float scale) {
    const float* d = dout + col;
    gemm(true, false, oc, r, n, 1.0f, d, ldo, h, r, 1.0f, db, r);
    gemm(false, false, n, r, oc, scale, d, ldo, b, r, 0.0f, dh, r);
    gemm(true, false, r, c, n, 1.0f, dh, r, inp, c, 1.0f, da, c);
    if (dinp) gemm(false, false, n, c, r, 1.0f, dh, r, a, c, 1.0f, dinp, c);
}
