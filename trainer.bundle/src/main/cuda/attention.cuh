// The materialised training attention's kernels (CUDA C++, included by cohort_cuda.cu), used
// where the fused attention (fused_attention.cuh) does not apply: q, k and v permuted to
// (B, NH, T, HS) (grouped-query key/value heads repeated for each query head of their group, as
// transformers' repeat_kv does), the products as batched GEMMs in cohort_cuda.cu, a causal softmax
// and its backward a warp per row, and the gradients gathered back into dqkv (a key/value head's
// from its group's query heads, summed in ascending order). Self-contained, so that
// src/test/cuda/attention_emulation.cpp can compile them for the CPU against a model of CUDA.
#pragma once
#include <cmath>
#include <cstddef>

#include "reduce.cuh"

// The heads of a qkv row: NH query heads, then NKV key heads, then NKV value heads, of HS each.
struct QkvHeads {
    int NH, NKV, HS;
};

// Element i of a (B, NH, T, HS) tensor as (b, h, t, d)
template <typename I>
__device__ __forceinline__ void splitIndex(I i, int T, int NH, int HS, int& b, int& h, int& t, int& d) {
    d = i % (I)HS;
    I r = i / (I)HS;
    t = r % T;
    r /= T;
    h = r % NH;
    b = r / NH;
}

// qkv (B, T, (NH + 2 NKV) HS) -> q, k, v each (B, NH, T, HS); k and v of query head h are those of
// key/value head h / (NH / NKV)
template <typename I>
__global__ void permuteQkvKernel(float* q, float* k, float* v, const float* qkv, int B, int T, QkvHeads H) {
    size_t total = (size_t)B * H.NH * T * H.HS;
    size_t width = (size_t)(H.NH + 2 * H.NKV) * H.HS;
    for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < (I)total; i += (I)gridDim.x * blockDim.x) {
        int b, h, t, d;
        splitIndex(i, T, H.NH, H.HS, b, h, t, d);
        const float* row = qkv + ((size_t)b * T + t) * width;
        size_t kh = (size_t)(H.NH + h / (H.NH / H.NKV)) * H.HS + d;
        q[i] = row[(size_t)h * H.HS + d];
        k[i] = row[kh];
        v[i] = row[kh + (size_t)H.NKV * H.HS];
    }
}

// (B, NH, T, HS) <-> (B, T, NH HS): toBtc writes out[b, t, h*HS+d] = y[b, h, t, d]; otherwise the inverse.
template <typename I>
__global__ void permuteHeadsKernel(float* dst, const float* src, int B, int T, int NH, int HS, bool toBtc) {
    size_t total = (size_t)B * NH * T * HS;
    for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < (I)total; i += (I)gridDim.x * blockDim.x) {
        int b, h, t, d;
        splitIndex(i, T, NH, HS, b, h, t, d);
        size_t btc = ((size_t)b * T + t) * NH * HS + (size_t)h * HS + d;
        if (toBtc)
            dst[btc] = src[i];
        else
            dst[i] = src[btc];
    }
}

// dqkv[b, t, query head h] += dq[b, h, t]; for the first query head of each group also
// dqkv[b, t, its key/value head] += the sum of dk, dv over the group's query heads, in order
template <typename I>
__global__ void accumulateQkvKernel(float* dqkv, const float* dq, const float* dk, const float* dv, int B, int T,
                                    QkvHeads H) {
    size_t total = (size_t)B * H.NH * T * H.HS;
    size_t width = (size_t)(H.NH + 2 * H.NKV) * H.HS;
    int group = H.NH / H.NKV;
    size_t headStride = (size_t)T * H.HS;
    for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < (I)total; i += (I)gridDim.x * blockDim.x) {
        int b, h, t, d;
        splitIndex(i, T, H.NH, H.HS, b, h, t, d);
        float* row = dqkv + ((size_t)b * T + t) * width;
        row[(size_t)h * H.HS + d] += dq[i];
        if (h % group != 0) continue;
        float sk = 0.0f, sv = 0.0f;
        for (int j = 0; j < group; j++) {
            sk += dk[i + j * headStride];
            sv += dv[i + j * headStride];
        }
        size_t kh = (size_t)(H.NH + h / group) * H.HS + d;
        row[kh] += sk;
        row[kh + (size_t)H.NKV * H.HS] += sv;
    }
}

// In place on att (rows of T scaled scores): causal softmax, zeros above the diagonal. A warp per row.
__global__ void causalSoftmaxKernel(float* att, int rows, int T) {
    int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    int lane = threadIdx.x & 31;
    if (row >= rows) return;
    int t = row % T;
    float* a = att + (size_t)row * T;
    float mx = -INFINITY;
    for (int j = lane; j <= t; j += 32) mx = fmaxf(mx, a[j]);
    mx = warpMax(mx);
    double sum = 0.0;
    for (int j = lane; j <= t; j += 32) sum += expf(a[j] - mx);
    sum = warpSumD(sum);
    float inv = (float)(1.0 / sum);
    for (int j = lane; j < T; j += 32) a[j] = j <= t ? expf(a[j] - mx) * inv : 0.0f;
}

// In place on datt: d pre-softmax = p (datt - sum(p datt)), zero above the diagonal (the scale is in the GEMMs).
__global__ void causalSoftmaxBackwardKernel(float* datt, const float* att, int rows, int T) {
    int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    int lane = threadIdx.x & 31;
    if (row >= rows) return;
    int t = row % T;
    float* d = datt + (size_t)row * T;
    const float* p = att + (size_t)row * T;
    double dot = 0.0;
    for (int j = lane; j <= t; j += 32) dot += (double)p[j] * d[j];
    float mean = (float)warpSumD(dot);
    for (int j = lane; j < T; j += 32) d[j] = j <= t ? p[j] * (d[j] - mean) : 0.0f;
}

// ------------------------------------------------------------------------------------------ launchers

// Launches kernel<unsigned> where the element count allows 32-bit indices (cheap division), else kernel<size_t>.
#define COHORT_LAUNCH_IDX(total, kernel, grid, block, stream, ...)              \
    do {                                                                        \
        if ((size_t)(total) < (size_t)0x7fffffff) {                             \
            auto k32_ = kernel<unsigned>;                                       \
            COHORT_LAUNCH(k32_, (grid), (block), 0, (stream), __VA_ARGS__);     \
        } else {                                                                \
            auto k64_ = kernel<size_t>;                                         \
            COHORT_LAUNCH(k64_, (grid), (block), 0, (stream), __VA_ARGS__);     \
        }                                                                       \
    } while (0)

inline void permuteQkv(cudaStream_t st, int maxBlocks, float* q, float* k, float* v, const float* qkv, int b, int t,
                       QkvHeads h) {
    size_t total = (size_t)b * h.NH * t * h.HS;
    COHORT_LAUNCH_IDX(total, permuteQkvKernel, blocksFor(total, maxBlocks), 256, st, q, k, v, qkv, b, t, h);
}

inline void permuteHeads(cudaStream_t st, int maxBlocks, float* dst, const float* src, int b, int t, int nh, int hs,
                         bool toBtc) {
    size_t total = (size_t)b * nh * t * hs;
    COHORT_LAUNCH_IDX(total, permuteHeadsKernel, blocksFor(total, maxBlocks), 256, st, dst, src, b, t, nh, hs, toBtc);
}

inline void accumulateQkv(cudaStream_t st, int maxBlocks, float* dqkv, const float* dq, const float* dk,
                          const float* dv, int b, int t, QkvHeads h) {
    size_t total = (size_t)b * h.NH * t * h.HS;
    COHORT_LAUNCH_IDX(total, accumulateQkvKernel, blocksFor(total, maxBlocks), 256, st, dqkv, dq, dk, dv, b, t, h);
}

inline void causalSoftmax(cudaStream_t st, float* att, int rows, int t) {
    COHORT_LAUNCH(causalSoftmaxKernel, (unsigned)((rows + 7) / 8), 256, 0, st, att, rows, t);
}

inline void causalSoftmaxBackward(cudaStream_t st, float* datt, const float* att, int rows, int t) {
    COHORT_LAUNCH(causalSoftmaxBackwardKernel, (unsigned)((rows + 7) / 8), 256, 0, st, datt, att, rows, t);
}
