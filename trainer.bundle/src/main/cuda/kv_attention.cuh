// The KV-cache kernels of decoding (CUDA C++, included by cohort_cuda.cu after cuda_bf16.h): the
// cached attention step and the store of a prefilled sequence's keys and values. Self-contained,
// so that src/test/cuda/kv_attention_emulation.cpp can compile them for the CPU against a model
// of CUDA. The cache holds float or, with bf16KvCache, __nv_bfloat16 (half the bytes to read).
#pragma once
#include <cmath>
#include <cstddef>

#include "reduce.cuh"

__device__ __forceinline__ float kvLoad(const float* p) {
    return *p;
}

__device__ __forceinline__ float kvLoad(const __nv_bfloat16* p) {
    return __bfloat162float(*p);
}

__device__ __forceinline__ void kvStore(float* p, float v) {
    *p = v;
}

__device__ __forceinline__ void kvStore(__nv_bfloat16* p, float v) {
    *p = __float2bfloat16(v);  // round to nearest even
}

// four consecutive elements: 16-byte aligned for float, 8-byte for bf16
__device__ __forceinline__ float4 kvLoad4(const float* p) {
    return *reinterpret_cast<const float4*>(p);
}

__device__ __forceinline__ float4 kvLoad4(const __nv_bfloat16* p) {
    const __nv_bfloat162* q = reinterpret_cast<const __nv_bfloat162*>(p);
    float2 a = __bfloat1622float2(q[0]), b = __bfloat1622float2(q[1]);
    return make_float4(a.x, a.y, b.x, b.y);
}

// One (sequence, head) per block: store the new k, v at the position, then attend over 0..position.
// Decoding runs this at a few dozen rows, where a kernel's time is its chain of dependent memory
// round trips, so every thread issues independent loads: a thread per position for the scores
// (the whole key row in flight at once), and for the weighted sum of V, groups of threads that
// each cover a value row (VEC floats per thread) and take every G-th position.
// HSC: the head size when known at compile time (64 or 128), so that the loops over a row unroll
// whole and all its loads are in flight together; 0: hs. Grouped-query: query head h reads
// key/value head h / (NH / NKV); the cache is (slots, NKV, maxT, HS).
// KV: the cache's element type, float or __nv_bfloat16 (bf16KvCache); the arithmetic is fp32.
template <int VEC, int HSC, typename KV>
__global__ void attentionStepKernel(float* out, const float* qkv, KV* kc, KV* vc, const int* slots,
                                    const int* positions, int NH, int NKV, int hs, int maxT, float scale) {
    COHORT_DYNAMIC_SHARED(float, sh, 16);
    int i = blockIdx.x, h = blockIdx.y;
    const int HS = HSC > 0 ? HSC : hs;
    int kvh = h / (NH / NKV);
    int pos = positions[i];
    size_t base = ((size_t)slots[i] * NKV + kvh) * maxT * HS;
    KV* K = kc + base;
    KV* V = vc + base;
    const float* row = qkv + (size_t)i * (NH + 2 * NKV) * HS;
    const float* q = row + (size_t)h * HS;
    const float* k = row + (size_t)(NH + kvh) * HS;
    const float* v = row + (size_t)(NH + NKV + kvh) * HS;
    float* sq = sh;               // (HS)
    float* score = sh + HS;                    // (maxT)
    float* part = score + ((maxT + 3) & ~3);  // (groups, HS), 16-byte aligned when HS is a multiple of 4
    // every query head of a group stores its key/value head's new row: the same values, so the
    // blocks' stores to the same address agree, and each block reads its own store back
    for (int d = threadIdx.x; d < HS; d += blockDim.x) {
        kvStore(K + (size_t)pos * HS + d, k[d]);
        kvStore(V + (size_t)pos * HS + d, v[d]);
        sq[d] = q[d];
    }
    __syncthreads();
    for (int t = threadIdx.x; t <= pos; t += blockDim.x) {
        const KV* kr = K + (size_t)t * HS;
        float s = 0.0f;
        if (VEC == 4) {
            const float4* q4 = reinterpret_cast<const float4*>(sq);
#pragma unroll 16
            for (int d = 0; d < HS / 4; d++) {
                float4 a = q4[d], b = kvLoad4(kr + 4 * d);
                s += a.x * b.x + a.y * b.y + a.z * b.z + a.w * b.w;
            }
        } else {
#pragma unroll 8
            for (int d = 0; d < HS; d++) s += sq[d] * kvLoad(kr + d);
        }
        score[t] = s * scale;
    }
    __syncthreads();
    float mx = -INFINITY;
    for (int t = threadIdx.x; t <= pos; t += blockDim.x) mx = fmaxf(mx, score[t]);
    mx = blockMax(mx);
    double sum = 0.0;
    for (int t = threadIdx.x; t <= pos; t += blockDim.x) {
        float e = expf(score[t] - mx);
        score[t] = e;
        sum += e;
    }
    sum = blockSumD(sum);  // synchronizes: score[] is visible to the block
    float inv = (float)(1.0 / sum);
    int lanes = min(HS / VEC, (int)blockDim.x);  // threads per value row
    int groups = blockDim.x / lanes;
    int l = threadIdx.x % lanes, g = threadIdx.x / lanes;
    if (g < groups) {
        for (int d = l; d < HS / VEC; d += lanes) {
            if (VEC == 4) {
                float4 acc = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
#pragma unroll 8
                for (int t = g; t <= pos; t += groups) {
                    float p = score[t];
                    float4 vv = kvLoad4(V + (size_t)t * HS + 4 * d);
                    acc.x += p * vv.x;
                    acc.y += p * vv.y;
                    acc.z += p * vv.z;
                    acc.w += p * vv.w;
                }
                reinterpret_cast<float4*>(part + (size_t)g * HS)[d] = acc;
            } else {
                float acc = 0.0f;
#pragma unroll 4
                for (int t = g; t <= pos; t += groups) acc += score[t] * kvLoad(V + (size_t)t * HS + d);
                part[(size_t)g * HS + d] = acc;
            }
        }
    }
    __syncthreads();
    for (int d = threadIdx.x; d < HS; d += blockDim.x) {
        float acc = 0.0f;
        for (int k = 0; k < groups; k++) acc += part[(size_t)k * HS + d];
        out[((size_t)i * NH + h) * HS + d] = acc * inv;
    }
}

// k, v of a prefilled sequence (T, (NH + 2 NKV) HS) into cache slot `slot` (slots, NKV, maxT, HS),
// positions 0..T-1.
template <typename I, typename KV>
__global__ void cacheStoreKernel(KV* kc, KV* vc, const float* qkv, int slot, int T, int NH, int NKV, int HS,
                                 int maxT) {
    int kvw = NKV * HS;
    size_t width = (size_t)(NH + 2 * NKV) * HS;
    size_t total = (size_t)T * kvw;
    for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < (I)total; i += (I)gridDim.x * blockDim.x) {
        int t = i / (I)kvw, cc = i % (I)kvw;
        int h = cc / HS, d = cc % HS;
        size_t dst = (((size_t)slot * NKV + h) * maxT + t) * HS + d;
        const float* row = qkv + (size_t)t * width + (size_t)NH * HS;
        kvStore(kc + dst, row[cc]);
        kvStore(vc + dst, row[kvw + cc]);
    }
}

// ------------------------------------------------------------------------------------------ launchers

constexpr int STEP_THREADS = 256;

// bytes of dynamic shared memory of a step: the query, a score per position, the groups' partial sums
inline size_t attentionStepShared(int hs, int maxT) {
    bool vec4 = hs % 4 == 0;
    int want = vec4 ? hs / 4 : hs;
    int lanes = want < STEP_THREADS ? want : STEP_THREADS;
    size_t partFloats = (size_t)(STEP_THREADS / lanes) * hs;
    return ((size_t)hs + (((size_t)maxT + 3) & ~(size_t)3) + partFloats) * sizeof(float);
}

// One decoding step for n sequences (a block per sequence and query head): whole float4 rows
// where the head size allows (the cache rows, q's row and the shared rows align), unrolled for
// head sizes 64 and 128. Returns the error of raising the kernel's shared-memory limit, if any.
template <typename KV>
cudaError_t attentionStep(cudaStream_t st, float* out, const float* qkv, KV* kc, KV* vc, const int* slots,
                          const int* positions, int n, int nh, int nkv, int hs, int maxT) {
    bool vec4 = hs % 4 == 0;
    size_t shared = attentionStepShared(hs, maxT);
    auto kernel = !vec4 ? attentionStepKernel<1, 0, KV>
                : hs == 64 ? attentionStepKernel<4, 64, KV>
                : hs == 128 ? attentionStepKernel<4, 128, KV> : attentionStepKernel<4, 0, KV>;
    if (shared > 48 * 1024) {
        cudaError_t e = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)shared);
        if (e != cudaSuccess) return e;
    }
    float scale = (float)(1.0 / sqrt((double)hs));
    COHORT_LAUNCH(kernel, dim3((unsigned)n, (unsigned)nh), STEP_THREADS, shared, st, out, qkv, kc, vc, slots,
                  positions, nh, nkv, hs, maxT, scale);
    return cudaSuccess;
}

// The keys and values of a prefilled sequence (T rows) into cache slot `slot`.
template <typename KV>
void cacheStore(cudaStream_t st, int maxBlocks, KV* kc, KV* vc, const float* qkv, int slot, int t, int nh, int nkv,
                int hs, int maxT) {
    size_t total = (size_t)t * nkv * hs;
    unsigned blocks = blocksFor(total, maxBlocks);
    if (total < 0x7fffffffu) {
        auto k = cacheStoreKernel<unsigned, KV>;
        COHORT_LAUNCH(k, blocks, 256, 0, st, kc, vc, qkv, slot, t, nh, nkv, hs, maxT);
    } else {
        auto k = cacheStoreKernel<size_t, KV>;
        COHORT_LAUNCH(k, blocks, 256, 0, st, kc, vc, qkv, slot, t, nh, nkv, hs, maxT);
    }
}
