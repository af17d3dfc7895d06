// Fused causal attention for training (CUDA C++, included by cohort_cuda.cu). Self-contained, so
// that trainer.bundle/src/test/cuda/fused_attention_emulation.cpp can also compile it for the CPU
// against a model of the CUDA calls it uses, and check it there (see that file).
#pragma once
#include <cmath>
#include <cstddef>
#include <type_traits>

#include "reduce.cuh"

// Causal attention for training without the (B, NH, T, T) matrices: tiles of 64 queries x 64 keys
// in shared memory, products on the tensor cores in TF32 (wmma 16x16x8), the softmax online (the
// running maximum and sum of each query row). Head size 64 only. The forward leaves in `att`
// (B*NH*T*65 elements: CudaBackend.attentionStateSize) the log-sum-exp of each row (B*NH*T) and a
// copy of the output in (B, NH, T, 64) order, which the backward needs for D = rowsum(dout * out).
// The backward recomputes each tile's probabilities from the log-sum-exp; it needs no datt.
namespace fa {
using namespace nvcuda;
constexpr int B = 64;    // rows per tile (queries or keys)
constexpr int D = 64;    // head size
constexpr int LD = 72;   // shared row stride in floats: a multiple of 4 (wmma) that spreads banks
constexpr int TILE = B * LD;

using FragA = wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major>;
using FragAT = wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::col_major>;
using FragB = wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major>;
using FragBT = wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::col_major>;
using FragC = wmma::fragment<wmma::accumulator, 16, 16, 8, float>;

template <typename F>
__device__ __forceinline__ void toTf32(F& f) {
#pragma unroll
    for (int i = 0; i < f.num_elements; i++) f.x[i] = wmma::__float_to_tf32(f.x[i]);
}

// C (16 x 64, rows r0.., row-major in shared, stride LD) (+)= A (16 x 64) . B (64 x 64), where
// A is X[r0.., :] (row-major) or, transposed, X[:, r0..]^T, and B is Y (row-major) or Y^T.
template <bool A_T, bool B_T, bool ACC>
__device__ void mm16x64(float* c, const float* x, int r0, const float* y) {
#pragma unroll
    for (int n = 0; n < 4; n++) {
        FragC acc;
        if (ACC) {
            wmma::load_matrix_sync(acc, c + n * 16, LD, wmma::mem_row_major);
        } else {
            wmma::fill_fragment(acc, 0.0f);
        }
#pragma unroll
        for (int k = 0; k < 8; k++) {
            // A (16 x 8) at rows r0.., columns 8k..: X[r0 + i][8k + j], or X[8k + j][r0 + i] transposed
            typename std::conditional<A_T, FragAT, FragA>::type a;
            if (A_T) {
                wmma::load_matrix_sync(a, x + (k * 8) * LD + r0, LD);
            } else {
                wmma::load_matrix_sync(a, x + r0 * LD + k * 8, LD);
            }
            toTf32(a);
            // B (8 x 16) at rows 8k.., columns 16n..: Y[8k + i][16n + j], or Y[16n + j][8k + i] transposed
            typename std::conditional<B_T, FragBT, FragB>::type b;
            if (B_T) {
                wmma::load_matrix_sync(b, y + (n * 16) * LD + k * 8, LD);
            } else {
                wmma::load_matrix_sync(b, y + (k * 8) * LD + n * 16, LD);
            }
            toTf32(b);
            wmma::mma_sync(acc, a, b, acc);
        }
        wmma::store_matrix_sync(c + n * 16, acc, LD, wmma::mem_row_major);
    }
}

// rows t0.. of one head of q, k or v (part 0, 1, 2 of qkv (B, T, 3C)) into dst (64 x LD), zeros past T
__device__ void loadHeadTile(float* dst, const float* qkv, int part, int b, int t0, int h, int T, int C) {
    for (int i = threadIdx.x; i < B * D / 4; i += blockDim.x) {
        int r = i / (D / 4), d4 = i % (D / 4);
        float4 v = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
        if (t0 + r < T) {
            v = reinterpret_cast<const float4*>(qkv + ((size_t)b * T + t0 + r) * 3 * C + (size_t)part * C +
                                                (size_t)h * D)[d4];
        }
        reinterpret_cast<float4*>(dst + r * LD)[d4] = v;
    }
}

// rows t0.. of one head of a (B, T, C) tensor into dst (64 x LD), zeros past T
__device__ void loadBtcTile(float* dst, const float* x, int b, int t0, int h, int T, int C) {
    for (int i = threadIdx.x; i < B * D / 4; i += blockDim.x) {
        int r = i / (D / 4), d4 = i % (D / 4);
        float4 v = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
        if (t0 + r < T) v = reinterpret_cast<const float4*>(x + ((size_t)b * T + t0 + r) * C + (size_t)h * D)[d4];
        reinterpret_cast<float4*>(dst + r * LD)[d4] = v;
    }
}

// One block (4 warps, 16 query rows each) per (query tile, head, batch row).
__global__ void __launch_bounds__(128) forwardKernel(float* out, float* lse, float* ostash, const float* qkv, int T,
                                                     int NH, float scale) {
    COHORT_DYNAMIC_SHARED(float, sm, 128);
    float* Qs = sm;
    float* Ks = Qs + TILE;
    float* Vs = Ks + TILE;
    float* Ss = Vs + TILE;
    float* Os = Ss + TILE;
    int qt = blockIdx.x, h = blockIdx.y, b = blockIdx.z;
    int C = NH * D, q0 = qt * B;
    int w = threadIdx.x >> 5, lane = threadIdx.x & 31;
    loadHeadTile(Qs, qkv, 0, b, q0, h, T, C);
    for (int i = threadIdx.x; i < TILE; i += blockDim.x) Os[i] = 0.0f;
    // each query row belongs to a pair of lanes of its warp: lane & 1 picks the half of the columns
    int r = w * 16 + (lane >> 1), c0 = (lane & 1) * 32;
    int qi = q0 + r;
    float m = -INFINITY, l = 0.0f;
    for (int kt = 0; kt <= qt; kt++) {
        int k0 = kt * B;
        __syncthreads();  // the previous tile's K, V are no longer read
        loadHeadTile(Ks, qkv, 1, b, k0, h, T, C);
        loadHeadTile(Vs, qkv, 2, b, k0, h, T, C);
        __syncthreads();
        mm16x64<false, true, false>(Ss + w * 16 * LD, Qs, w * 16, Ks);  // S = Q K^T
        __syncwarp();
        float* srow = Ss + r * LD;
        float mx = -INFINITY;
        for (int j = c0; j < c0 + 32; j++) {
            int kj = k0 + j;
            float v = (kj <= qi && kj < T) ? srow[j] * scale : -INFINITY;
            srow[j] = v;
            mx = fmaxf(mx, v);
        }
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
        float mNew = fmaxf(m, mx);
        float sum = 0.0f;
        for (int j = c0; j < c0 + 32; j++) {
            float p = srow[j] == -INFINITY ? 0.0f : __expf(srow[j] - mNew);
            srow[j] = p;
            sum += p;
        }
        sum += __shfl_xor_sync(0xffffffffu, sum, 1);
        float alpha = m == -INFINITY ? 0.0f : __expf(m - mNew);
        l = l * alpha + sum;
        m = mNew;
        float* orow = Os + r * LD;
        for (int j = c0; j < c0 + 32; j++) orow[j] *= alpha;
        __syncwarp();
        mm16x64<false, false, true>(Os + w * 16 * LD, Ss, w * 16, Vs);  // O += P V
        __syncwarp();
    }
    if (qi < T) {
        float inv = 1.0f / l;
        const float* orow = Os + r * LD;
        size_t row = (size_t)b * T + qi;
        size_t head = ((size_t)b * NH + h) * T + qi;
        for (int j = c0; j < c0 + 32; j++) {
            float o = orow[j] * inv;
            out[row * C + (size_t)h * D + j] = o;
            ostash[head * D + j] = o;
        }
        if ((lane & 1) == 0) lse[head] = m + logf(l);
    }
}

// delta[b, h, t] = sum over d of dout[b, t, h, d] * out[b, t, h, d] (out from the forward's copy)
__global__ void deltaKernel(float* delta, const float* dout, const float* ostash, int Bn, int T, int NH) {
    int C = NH * D;
    size_t rows = (size_t)Bn * NH * T;
    size_t warp = ((size_t)blockIdx.x * blockDim.x + threadIdx.x) >> 5;
    int lane = threadIdx.x & 31;
    if (warp >= rows) return;
    int t = (int)(warp % T);
    int h = (int)((warp / T) % NH);
    int b = (int)(warp / ((size_t)T * NH));
    const float* g = dout + ((size_t)b * T + t) * C + (size_t)h * D;
    const float* o = ostash + warp * D;
    float s = g[lane] * o[lane] + g[lane + 32] * o[lane + 32];
    for (int k = 16; k > 0; k >>= 1) s += __shfl_xor_sync(0xffffffffu, s, k);
    if (lane == 0) delta[warp] = s;
}

// One block (4 warps) per (key tile, head, batch row): dK and dV of its 64 keys over every query
// tile at or after it; dQ added to dqkv with atomics (the key tiles of a query row run in parallel).
__global__ void __launch_bounds__(128) backwardKernel(float* dqkv, const float* dout, const float* qkv,
                                                      const float* lse, const float* delta, int T, int NH,
                                                      float scale) {
    COHORT_DYNAMIC_SHARED(float, sm, 128);
    float* Ks = sm;
    float* Vs = Ks + TILE;
    float* Qs = Vs + TILE;
    float* Gs = Qs + TILE;   // dout tile
    float* Ps = Gs + TILE;   // S, then P
    float* Ds = Ps + TILE;   // dP, then dS * scale
    float* dKs = Ds + TILE;
    float* dVs = dKs + TILE;
    float* rowL = dVs + TILE;  // log-sum-exp and delta of the query tile's rows
    float* rowD = rowL + B;
    int kt = blockIdx.x, h = blockIdx.y, b = blockIdx.z;
    int C = NH * D, k0 = kt * B, tiles = (T + B - 1) / B;
    int w = threadIdx.x >> 5, lane = threadIdx.x & 31;
    loadHeadTile(Ks, qkv, 1, b, k0, h, T, C);
    loadHeadTile(Vs, qkv, 2, b, k0, h, T, C);
    for (int i = threadIdx.x; i < TILE; i += blockDim.x) {
        dKs[i] = 0.0f;
        dVs[i] = 0.0f;
    }
    int r = w * 16 + (lane >> 1), c0 = (lane & 1) * 32;  // the query row this lane pair handles
    for (int qt = kt; qt < tiles; qt++) {
        int q0 = qt * B;
        __syncthreads();  // the previous query tile is no longer read
        loadHeadTile(Qs, qkv, 0, b, q0, h, T, C);
        loadBtcTile(Gs, dout, b, q0, h, T, C);
        for (int i = threadIdx.x; i < B; i += blockDim.x) {
            size_t head = ((size_t)b * NH + h) * T + q0 + i;
            rowL[i] = q0 + i < T ? lse[head] : 0.0f;
            rowD[i] = q0 + i < T ? delta[head] : 0.0f;
        }
        __syncthreads();
        mm16x64<false, true, false>(Ps + w * 16 * LD, Qs, w * 16, Ks);  // S = Q K^T
        mm16x64<false, true, false>(Ds + w * 16 * LD, Gs, w * 16, Vs);  // dP = dO V^T
        __syncwarp();
        int qi = q0 + r;
        float L = rowL[r], Dq = rowD[r];
        float* prow = Ps + r * LD;
        float* drow = Ds + r * LD;
        for (int j = c0; j < c0 + 32; j++) {
            int kj = k0 + j;
            bool live = kj <= qi && kj < T && qi < T;
            float p = live ? __expf(prow[j] * scale - L) : 0.0f;
            prow[j] = p;
            drow[j] = p * (drow[j] - Dq) * scale;  // d loss / d (q . k)
        }
        __syncthreads();  // all of P and dS are written
        // dV (keys w*16..) += P^T dO ; dK (keys w*16..) += dS^T Q
        mm16x64<true, false, true>(dVs + w * 16 * LD, Ps, w * 16, Gs);
        mm16x64<true, false, true>(dKs + w * 16 * LD, Ds, w * 16, Qs);
        __syncthreads();  // P is no longer read: its rows take each warp's dQ
        mm16x64<false, false, false>(Ps + w * 16 * LD, Ds, w * 16, Ks);  // dQ rows = dS K
        __syncwarp();
        if (qi < T) {
            float* dq = dqkv + ((size_t)b * T + qi) * 3 * C + (size_t)h * D;
            for (int j = c0; j < c0 + 32; j++) atomicAdd(dq + j, prow[j]);
        }
    }
    __syncthreads();
    for (int i = threadIdx.x; i < B * D; i += blockDim.x) {
        int rr = i / D, d = i % D;
        if (k0 + rr < T) {
            float* row = dqkv + ((size_t)b * T + k0 + rr) * 3 * C + (size_t)h * D;
            row[C + d] += dKs[rr * LD + d];
            row[2 * C + d] += dVs[rr * LD + d];
        }
    }
}
}  // namespace fa
