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
// HSC: the head size when known at compile time (64, GPT-2's), so that the loops over a row unroll
// whole and all its loads are in flight together; 0: C / NH.
// KV: the cache's element type, float or __nv_bfloat16 (bf16KvCache); the arithmetic is fp32.
template <int VEC, int HSC, typename KV>
__global__ void attentionStepKernel(float* out, const float* qkv, KV* kc, KV* vc, const int* slots,
                                    const int* positions, int C, int NH, int maxT, float scale) {
    COHORT_DYNAMIC_SHARED(float, sh, 16);
    int i = blockIdx.x, h = blockIdx.y;
    const int HS = HSC > 0 ? HSC : C / NH;
    int pos = positions[i];
    size_t base = ((size_t)slots[i] * NH + h) * maxT * HS;
    KV* K = kc + base;
    KV* V = vc + base;
    const float* q = qkv + (size_t)i * 3 * C + (size_t)h * HS;
    float* sq = sh;               // (HS)
    float* score = sh + HS;                    // (maxT)
    float* part = score + ((maxT + 3) & ~3);  // (groups, HS), 16-byte aligned when HS is a multiple of 4
    for (int d = threadIdx.x; d < HS; d += blockDim.x) {
        kvStore(K + (size_t)pos * HS + d, q[C + d]);
        kvStore(V + (size_t)pos * HS + d, q[2 * C + d]);
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
        out[(size_t)i * C + (size_t)h * HS + d] = acc * inv;
    }
}

// k, v of a prefilled sequence (T, 3C) into cache slot `slot`, positions 0..T-1.
template <typename I, typename KV>
__global__ void cacheStoreKernel(KV* kc, KV* vc, const float* qkv, int slot, int T, int C, int NH, int maxT) {
    int HS = C / NH;
    size_t total = (size_t)T * C;
    for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < (I)total; i += (I)gridDim.x * blockDim.x) {
        int t = i / (I)C, cc = i % (I)C;
        int h = cc / HS, d = cc % HS;
        size_t dst = (((size_t)slot * NH + h) * maxT + t) * HS + d;
        kvStore(kc + dst, qkv[(size_t)t * 3 * C + C + cc]);
        kvStore(vc + dst, qkv[(size_t)t * 3 * C + 2 * C + cc]);
    }
}
