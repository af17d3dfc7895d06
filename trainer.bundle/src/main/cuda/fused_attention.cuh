// Fused causal attention for training (CUDA C++, included by cohort_cuda.cu). Self-contained, so
// that trainer.bundle/src/test/cuda/fused_attention_emulation.cpp can also compile it for the CPU
// against a model of the CUDA calls it uses, and check it there (see that file).
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "reduce.cuh"

// Causal attention for training without the (B, NH, T, T) matrices, FlashAttention-2 style: tiles
// of 64 queries x 64 keys, products on the tensor cores in TF32 with mma.sync m16n8k8, whose
// fragment layouts the PTX ISA documents, so that the scores, the probabilities and the output
// (forward), and dK and dV (backward) stay in registers; only K, V, Q and dO tiles (and dS, which
// the dQ product reads transposed) pass through shared memory. The softmax is online (running
// maximum and sum per query row). Head sizes D = 64 and 128. Grouped-query: qkv rows hold NH query
// heads, then NKV key heads, then NKV value heads, and query head h reads key/value head
// h / (NH / NKV). The forward leaves in `att` (B*NH*T*(1+D) elements:
// CudaBackend.attentionStateSize) the log-sum-exp of each row (B*NH*T) and a copy of the output in
// (B, NH, T, D) order, which the backward needs for Delta = rowsum(dout * out). The backward
// recomputes each tile's probabilities from the log-sum-exp; it needs no datt. A backward block
// owns a key tile of one key/value head and runs over its group's query heads in turn, so dK and
// dV stay in its registers and are written once, without atomics.
//
// At D = 128 the query (forward) and key (backward) fragments are read from shared memory instead
// of being held in registers, and the forward loads each key tile when it is needed instead of
// under the previous tile's products: the accumulators alone take 64 (forward: O) or 128
// (backward: dK and dV) registers per thread there.
//
// Fragments (g = lane / 4, t = lane % 4): A (16 x 8) holds (g, t), (g+8, t), (g, t+4), (g+8, t+4);
// B (8 x 8) (t, g), (t+4, g); the accumulator (16 x 8) (g, 2t), (g, 2t+1), (g+8, 2t), (g+8, 2t+1).
// A product whose left operand is an accumulator just computed (P V, P^T dO, dS^T Q) takes its
// 8-wide K slice in the order (2t, 2t+1) -> (t, t+4): the lane's own accumulator values are then its
// A fragment, and the right operand's rows are read in the same order. Every shared tile has a row
// stride of D + 4 floats (68 or 132: bank = 4 row + column either way), which makes the fragment
// reads conflict-free.
namespace fa {
constexpr int B = 64;         // rows per tile (queries or keys)
constexpr int THREADS = 128;  // every launch: 4 warps, 16 rows each

// What follows from the head size D (64 or 128)
template <int D>
struct Dims {
    static constexpr int LD = D + 4;  // shared row stride in floats
    static constexpr int TILE = B * LD;
    static constexpr int KS = D / 8;                        // 8-wide slices of a head
    static constexpr int PER_THREAD = B * D / 4 / THREADS;  // float4s of a tile per thread
    static constexpr bool REGS = D == 64;  // query/key fragments in registers, next key tile prefetched
    static constexpr size_t FORWARD_SHARED = (REGS ? 2 : 3) * TILE * sizeof(float);
    static constexpr size_t BACKWARD_SHARED = (5 * TILE + 2 * B) * sizeof(float);
};

__device__ __forceinline__ float tf32(float x) {
    return nvcuda::wmma::__float_to_tf32(x);
}

// d (16 x 8) += a (16 x 8) . b (8 x 8): one warp, TF32 operands (already rounded), fp32 sums
__device__ __forceinline__ void mma(float (&d)[4], const float (&a)[4], const float (&b)[2]) {
#ifdef COHORT_CUDA_MODEL
    mmaTf32(d, a, b);
#else
    asm volatile(
        "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
        "{%0, %1, %2, %3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(__float_as_uint(a[0])), "r"(__float_as_uint(a[1])), "r"(__float_as_uint(a[2])),
          "r"(__float_as_uint(a[3])), "r"(__float_as_uint(b[0])), "r"(__float_as_uint(b[1])));
#endif
}

template <int N>
__device__ __forceinline__ void zero(float (&acc)[N][4]) {
#pragma unroll
    for (int j = 0; j < N; j++) acc[j][0] = acc[j][1] = acc[j][2] = acc[j][3] = 0.0f;
}

// The A fragment of rows r0.. and columns 8k.. of a shared tile (row-major)
template <int LD>
__device__ __forceinline__ void loadA(float (&a)[4], const float* s, int r0, int k, int g, int t) {
    a[0] = s[(r0 + g) * LD + 8 * k + t];
    a[1] = s[(r0 + g + 8) * LD + 8 * k + t];
    a[2] = s[(r0 + g) * LD + 8 * k + t + 4];
    a[3] = s[(r0 + g + 8) * LD + 8 * k + t + 4];
}

// The B fragment (8 x 8) of X^T for X a shared tile: B(kk, n) = X[8j + n][8k + kk]
template <int LD>
__device__ __forceinline__ void loadBt(float (&b)[2], const float* s, int j, int k, int g, int t) {
    b[0] = s[(8 * j + g) * LD + 8 * k + t];
    b[1] = s[(8 * j + g) * LD + 8 * k + t + 4];
}

// The B fragment of X (rows 8k.., columns 8j..) with the K slice in accumulator order: rows 2t, 2t+1
template <int LD>
__device__ __forceinline__ void loadBPaired(float (&b)[2], const float* s, int j, int k, int g, int t) {
    b[0] = s[(8 * k + 2 * t) * LD + 8 * j + g];
    b[1] = s[(8 * k + 2 * t + 1) * LD + 8 * j + g];
}

// acc (16 x 8N) += a (16 x 8) . rows 8k.. of X (a shared tile), the rows in accumulator order
template <int LD, int N>
__device__ __forceinline__ void mmaPaired(float (&acc)[N][4], const float (&a)[4], const float* s, int k, int g,
                                          int t) {
#pragma unroll
    for (int j = 0; j < N; j++) {
        float b[2];
        loadBPaired<LD>(b, s, j, k, g, t);
        mma(acc[j], a, b);
    }
}

// An accumulator (16 x 8) as the A fragment of the next product, its columns in accumulator order
__device__ __forceinline__ void accAsA(float (&a)[4], const float (&c)[4]) {
    a[0] = tf32(c[0]);
    a[1] = tf32(c[2]);
    a[2] = tf32(c[1]);
    a[3] = tf32(c[3]);
}

// rows t0.. of one head of a tensor whose rows are `stride` floats apart (q, k or v at `offset` in
// qkv (B, T, (NH + 2 NKV) D), or a (B, T, NH D) tensor), PER_THREAD float4s per thread into
// registers, zeros past T. The loop has a fixed trip count, so that every load is in flight at once.
template <int D, int PER_THREAD>
__device__ __forceinline__ void fetch(float4 (&v)[PER_THREAD], const float* __restrict__ x, size_t stride,
                                      size_t offset, int b, int t0, int T) {
#pragma unroll
    for (int it = 0; it < PER_THREAD; it++) {
        int i = threadIdx.x + it * THREADS;
        int r = i / (D / 4), d4 = i % (D / 4);
        v[it] = t0 + r < T ? reinterpret_cast<const float4*>(x + ((size_t)b * T + t0 + r) * stride + offset)[d4]
                           : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    }
}

// what fetch loaded, rounded to TF32 (every use is a tensor-core operand), into a shared tile
template <int D, int PER_THREAD>
__device__ __forceinline__ void put(float* dst, const float4 (&v)[PER_THREAD]) {
#pragma unroll
    for (int it = 0; it < PER_THREAD; it++) {
        int i = threadIdx.x + it * THREADS;
        reinterpret_cast<float4*>(dst + (i / (D / 4)) * Dims<D>::LD)[i % (D / 4)] =
            make_float4(tf32(v[it].x), tf32(v[it].y), tf32(v[it].z), tf32(v[it].w));
    }
}

// max or sum over the 4 lanes of a fragment row (lanes 4g .. 4g+3)
__device__ __forceinline__ float rowMax(float v) {
    v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, 1));
    return fmaxf(v, __shfl_xor_sync(0xffffffffu, v, 2));
}
__device__ __forceinline__ float rowSum(float v) {
    v += __shfl_xor_sync(0xffffffffu, v, 1);
    return v + __shfl_xor_sync(0xffffffffu, v, 2);
}

// One block (4 warps, 16 query rows each) per (query tile, query head, batch row); the last query
// tiles (the most key tiles) first. D = 64: the queries' fragments stay in registers and the next
// key tile's K and V load into registers under the products.
template <int D>
__global__ void __launch_bounds__(THREADS, D == 64 ? 2 : 1)
    forwardKernel(float* out, float* lse, float* ostash, const float* qkv, int T, int NH, int NKV, float scale) {
    using S = Dims<D>;
    constexpr int LD = S::LD, KS = S::KS;
    COHORT_DYNAMIC_SHARED(float, sm, 128);
    float* Ks = sm;
    float* Vs = Ks + S::TILE;
    float* Qs = S::REGS ? Ks : Vs + S::TILE;  // D = 64: the queries pass through Ks
    int qt = gridDim.x - 1 - blockIdx.x, h = blockIdx.y, b = blockIdx.z;
    int C = NH * D, q0 = qt * B;
    size_t qkvRow = (size_t)(NH + 2 * NKV) * D;
    size_t kOff = (size_t)(NH + h / (NH / NKV)) * D, vOff = kOff + (size_t)NKV * D;
    int w = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
    float4 kv[S::PER_THREAD], vv[S::PER_THREAD];
    fetch<D>(kv, qkv, qkvRow, (size_t)h * D, b, q0, T);
    put<D>(Qs, kv);
    if (S::REGS) {
        fetch<D>(kv, qkv, qkvRow, kOff, b, 0, T);
        fetch<D>(vv, qkv, qkvRow, vOff, b, 0, T);
    }
    __syncthreads();
    float qa[S::REGS ? KS : 1][4];  // D = 64: this warp's 16 queries as A fragments, for the whole loop
    if constexpr (S::REGS) {
#pragma unroll
        for (int k = 0; k < KS; k++) loadA<LD>(qa[k], Qs, w * 16, k, g, t);
    }
    float o[KS][4];  // O (16 x D): block j holds dimensions 8j..
    zero(o);
    float m[2] = {-INFINITY, -INFINITY}, l[2] = {0.0f, 0.0f};  // rows g and g + 8; l summed over this lane's columns
    int qRow[2] = {q0 + w * 16 + g, q0 + w * 16 + g + 8};
    for (int kt = 0; kt <= qt; kt++) {
        int k0 = kt * B;
        if (!S::REGS) {
            fetch<D>(kv, qkv, qkvRow, kOff, b, k0, T);
            fetch<D>(vv, qkv, qkvRow, vOff, b, k0, T);
        }
        __syncthreads();  // the previous tile (or, D = 64, the queries) is no longer read
        put<D>(Ks, kv);
        put<D>(Vs, vv);
        __syncthreads();
        if (S::REGS && kt < qt) {
            fetch<D>(kv, qkv, qkvRow, kOff, b, k0 + B, T);
            fetch<D>(vv, qkv, qkvRow, vOff, b, k0 + B, T);
        }
        float s[8][4];  // S (16 x 64 keys): block j holds keys k0 + 8j..
        zero(s);
#pragma unroll
        for (int k = 0; k < KS; k++) {
            float a[4];
            if constexpr (S::REGS) {
                a[0] = qa[k][0], a[1] = qa[k][1], a[2] = qa[k][2], a[3] = qa[k][3];
            } else {
                loadA<LD>(a, Qs, w * 16, k, g, t);
            }
#pragma unroll
            for (int j = 0; j < 8; j++) {
                float kb[2];
                loadBt<LD>(kb, Ks, j, k, g, t);
                mma(s[j], a, kb);
            }
        }
        bool masked = kt == qt || k0 + B > T;  // only the diagonal tile and the last one need the mask
        float mx[2] = {-INFINITY, -INFINITY};
#pragma unroll
        for (int j = 0; j < 8; j++) {
#pragma unroll
            for (int e = 0; e < 4; e++) {
                int key = k0 + 8 * j + 2 * t + (e & 1);
                float v = s[j][e] * scale;
                if (masked && (key > qRow[e >> 1] || key >= T)) v = -INFINITY;
                s[j][e] = v;
                mx[e >> 1] = fmaxf(mx[e >> 1], v);
            }
        }
        float alpha[2];
#pragma unroll
        for (int r = 0; r < 2; r++) {
            float mNew = fmaxf(m[r], rowMax(mx[r]));  // finite: every row has a key at or before it
            alpha[r] = m[r] == -INFINITY ? 0.0f : __expf(m[r] - mNew);
            m[r] = mNew;
            l[r] *= alpha[r];
        }
#pragma unroll
        for (int j = 0; j < 8; j++) {
#pragma unroll
            for (int e = 0; e < 4; e++) {
                float p = s[j][e] == -INFINITY ? 0.0f : __expf(s[j][e] - m[e >> 1]);
                s[j][e] = p;
                l[e >> 1] += p;
            }
        }
#pragma unroll
        for (int j = 0; j < KS; j++) {
#pragma unroll
            for (int e = 0; e < 4; e++) o[j][e] *= alpha[e >> 1];
        }
        // O += P V over the tile's keys, 8 at a time
#pragma unroll
        for (int k = 0; k < 8; k++) {
            float pa[4];
            accAsA(pa, s[k]);
            mmaPaired<LD>(o, pa, Vs, k, g, t);
        }
    }
#pragma unroll
    for (int r = 0; r < 2; r++) {
        float sum = rowSum(l[r]);
        int q = qRow[r];
        if (q >= T) continue;
        float inv = 1.0f / sum;
        size_t row = (size_t)b * T + q;
        size_t head = ((size_t)b * NH + h) * T + q;
        if (t == 0) lse[head] = m[r] + logf(sum);
#pragma unroll
        for (int j = 0; j < KS; j++) {
            float x0 = o[j][2 * r] * inv, x1 = o[j][2 * r + 1] * inv;
            int d = 8 * j + 2 * t;
            *reinterpret_cast<float2*>(out + row * C + (size_t)h * D + d) = make_float2(x0, x1);
            ostash[head * D + d] = x0;  // after B*NH*T log-sum-exps in att: 4-byte aligned only
            ostash[head * D + d + 1] = x1;
        }
    }
}

// delta[b, h, t] = sum over d of dout[b, t, h, d] * out[b, t, h, d] (out from the forward's copy);
// a warp per row
template <int D>
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
    float s = 0.0f;
#pragma unroll
    for (int d = lane; d < D; d += 32) s += g[d] * o[d];
    for (int k = 16; k > 0; k >>= 1) s += __shfl_xor_sync(0xffffffffu, s, k);
    if (lane == 0) delta[warp] = s;
}

// One block (4 warps) per (key tile, key/value head, batch row), each warp 16 of its keys: dK and
// dV in registers over every query tile at or after the key tile of every query head of the
// group, S^T and dP^T computed transposed (keys x queries) so that P^T and dS^T are the A operands
// of dV += P^T dO and dK += dS^T Q. dS^T goes through shared memory for dQ = dS K (each warp 16
// queries over the tile's 64 keys), which is added to dqkv with 8-byte atomics (the key tiles of a
// query row run in parallel).
template <int D>
__global__ void __launch_bounds__(THREADS, D == 64 ? 2 : 1)
    backwardKernel(float* dqkv, const float* dout, const float* qkv, const float* lse, const float* delta, int T,
                   int NH, int NKV, float scale) {
    using S = Dims<D>;
    constexpr int LD = S::LD, KS = S::KS;
    COHORT_DYNAMIC_SHARED(float, sm, 128);
    float* Ks = sm;
    float* Vs = Ks + S::TILE;
    float* Qs = Vs + S::TILE;
    float* Gs = Qs + S::TILE;    // dout
    float* Ds = Gs + S::TILE;    // dS^T (keys x queries), TF32
    float* rowL = Ds + S::TILE;  // log-sum-exp and delta of the query tile's rows
    float* rowD = rowL + B;
    int kt = blockIdx.x, kvh = blockIdx.y, b = blockIdx.z;
    int group = NH / NKV;
    int C = NH * D, k0 = kt * B, tiles = (T + B - 1) / B;
    size_t qkvRow = (size_t)(NH + 2 * NKV) * D;
    size_t kOff = (size_t)(NH + kvh) * D, vOff = kOff + (size_t)NKV * D;
    int w = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
    {
        float4 kv[S::PER_THREAD], vv[S::PER_THREAD];
        fetch<D>(kv, qkv, qkvRow, kOff, b, k0, T);
        fetch<D>(vv, qkv, qkvRow, vOff, b, k0, T);
        put<D>(Ks, kv);
        put<D>(Vs, vv);
    }
    __syncthreads();
    float ka[S::REGS ? KS : 1][4];  // D = 64: this warp's 16 keys as A fragments
    if constexpr (S::REGS) {
#pragma unroll
        for (int k = 0; k < KS; k++) loadA<LD>(ka[k], Ks, w * 16, k, g, t);
    }
    float dk[KS][4], dv[KS][4];  // (16 keys x D): block j holds dimensions 8j..
    zero(dk);
    zero(dv);
    int key[2] = {k0 + w * 16 + g, k0 + w * 16 + g + 8};
    int perHead = tiles - kt;
    for (int it = 0; it < group * perHead; it++) {
        int h = kvh * group + it / perHead, qt = kt + it % perHead, q0 = qt * B;
        {
            float4 qv[S::PER_THREAD], gv[S::PER_THREAD];  // loaded before the barrier, stored after it
            fetch<D>(qv, qkv, qkvRow, (size_t)h * D, b, q0, T);
            fetch<D>(gv, dout, (size_t)C, (size_t)h * D, b, q0, T);
            int i = threadIdx.x;  // threads 0..63: a row's log-sum-exp and delta
            size_t head = ((size_t)b * NH + h) * T + q0 + i;
            bool row = i < B && q0 + i < T;
            float li = row ? lse[head] : 0.0f, di = row ? delta[head] : 0.0f;
            __syncthreads();  // the previous query tile and dS^T are no longer read
            put<D>(Qs, qv);
            put<D>(Gs, gv);
            if (i < B) {
                rowL[i] = li;
                rowD[i] = di;
            }
        }
        __syncthreads();
        float st[8][4], dpt[8][4];  // S^T and dP^T (16 keys x 64 queries): block j holds queries q0 + 8j..
        zero(st);
        zero(dpt);
#pragma unroll
        for (int k = 0; k < KS; k++) {
            float va[4], a[4];
            loadA<LD>(va, Vs, w * 16, k, g, t);
            if constexpr (S::REGS) {
                a[0] = ka[k][0], a[1] = ka[k][1], a[2] = ka[k][2], a[3] = ka[k][3];
            } else {
                loadA<LD>(a, Ks, w * 16, k, g, t);
            }
#pragma unroll
            for (int j = 0; j < 8; j++) {
                float qb[2], gb[2];
                loadBt<LD>(qb, Qs, j, k, g, t);
                mma(st[j], a, qb);  // S^T = K Q^T
                loadBt<LD>(gb, Gs, j, k, g, t);
                mma(dpt[j], va, gb);  // dP^T = V dO^T
            }
        }
        bool masked = qt == kt || q0 + B > T || k0 + B > T;
#pragma unroll
        for (int j = 0; j < 8; j++) {
#pragma unroll
            for (int e = 0; e < 4; e++) {
                int qc = 8 * j + 2 * t + (e & 1), q = q0 + qc, kr = key[e >> 1];
                bool live = !masked || (kr <= q && kr < T && q < T);
                float p = live ? __expf(st[j][e] * scale - rowL[qc]) : 0.0f;
                st[j][e] = p;                                    // P^T
                dpt[j][e] = p * (dpt[j][e] - rowD[qc]) * scale;  // dS^T: d loss / d (q . k)
            }
        }
        // dV += P^T dO, dK += dS^T Q over the tile's queries, 8 at a time; dS^T to shared
#pragma unroll
        for (int k = 0; k < 8; k++) {
            float pa[4], da[4];
            accAsA(pa, st[k]);
            accAsA(da, dpt[k]);
#pragma unroll
            for (int j = 0; j < KS; j++) {  // the two products interleaved
                float gb[2], qb[2];
                loadBPaired<LD>(gb, Gs, j, k, g, t);
                mma(dv[j], pa, gb);
                loadBPaired<LD>(qb, Qs, j, k, g, t);
                mma(dk[j], da, qb);
            }
            int r = w * 16 + g, c = 8 * k + 2 * t;
            *reinterpret_cast<float2*>(Ds + r * LD + c) = make_float2(da[0], da[2]);
            *reinterpret_cast<float2*>(Ds + (r + 8) * LD + c) = make_float2(da[1], da[3]);
        }
        __syncthreads();  // all of dS^T is written
        // dQ (this warp's 16 queries x D) = dS K over the tile's 64 keys, 8 at a time
        float dq[KS][4];
        zero(dq);
#pragma unroll
        for (int k = 0; k < 8; k++) {
            float a[4];  // dS (queries w*16.., keys 8k + (2t, 2t+1)) = dS^T read down its columns
            a[0] = Ds[(8 * k + 2 * t) * LD + w * 16 + g];
            a[1] = Ds[(8 * k + 2 * t) * LD + w * 16 + g + 8];
            a[2] = Ds[(8 * k + 2 * t + 1) * LD + w * 16 + g];
            a[3] = Ds[(8 * k + 2 * t + 1) * LD + w * 16 + g + 8];
            mmaPaired<LD>(dq, a, Ks, k, g, t);
        }
#pragma unroll
        for (int r = 0; r < 2; r++) {
            int q = q0 + w * 16 + g + 8 * r;
            if (q >= T) continue;
            float* dst = dqkv + ((size_t)b * T + q) * qkvRow + (size_t)h * D + 2 * t;
#pragma unroll
            for (int j = 0; j < KS; j++) {
                atomicAdd(reinterpret_cast<float2*>(dst + 8 * j), make_float2(dq[j][2 * r], dq[j][2 * r + 1]));
            }
        }
    }
    // dK and dV of this warp's keys: each element belongs to one lane of one block
#pragma unroll
    for (int r = 0; r < 2; r++) {
        if (key[r] >= T) continue;
        float* row = dqkv + ((size_t)b * T + key[r]) * qkvRow + 2 * t;
#pragma unroll
        for (int j = 0; j < KS; j++) {
            float2* pk = reinterpret_cast<float2*>(row + kOff + 8 * j);
            float2* pv = reinterpret_cast<float2*>(row + vOff + 8 * j);
            float2 a = *pk, c = *pv;
            *pk = make_float2(a.x + dk[j][2 * r], a.y + dk[j][2 * r + 1]);
            *pv = make_float2(c.x + dv[j][2 * r], c.y + dv[j][2 * r + 1]);
        }
    }
}

// ------------------------------------------------------------------------------------------ launchers

inline bool supported(int hs) {
    return hs == 64 || hs == 128;
}

// out (B, T, NH D) and att (lse, then the output's copy) from qkv; hs 64 or 128. Returns the error
// of raising the kernel's shared-memory limit, if any.
template <int D>
cudaError_t forward(cudaStream_t st, float* out, float* att, const float* qkv, int b, int t, int nh, int nkv) {
    auto kernel = forwardKernel<D>;
    size_t shared = Dims<D>::FORWARD_SHARED;
    cudaError_t e = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)shared);
    if (e != cudaSuccess) return e;
    COHORT_LAUNCH(kernel, dim3((unsigned)((t + B - 1) / B), (unsigned)nh, (unsigned)b), THREADS, shared, st, out, att,
                  att + (size_t)b * nh * t, qkv, t, nh, nkv, (float)(1.0 / sqrt((double)D)));
    return cudaSuccess;
}

// dqkv += the gradients from dout, the forward's att and `delta` (B NH T floats of scratch)
template <int D>
cudaError_t backward(cudaStream_t st, float* dqkv, float* delta, const float* dout, const float* qkv,
                     const float* att, int b, int t, int nh, int nkv) {
    size_t rows = (size_t)b * nh * t;
    COHORT_LAUNCH(deltaKernel<D>, (unsigned)((rows * 32 + 255) / 256), 256, 0, st, delta, dout, att + rows, b, t, nh);
    auto kernel = backwardKernel<D>;
    size_t shared = Dims<D>::BACKWARD_SHARED;
    cudaError_t e = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)shared);
    if (e != cudaSuccess) return e;
    COHORT_LAUNCH(kernel, dim3((unsigned)((t + B - 1) / B), (unsigned)nkv, (unsigned)b), THREADS, shared, st, dqkv,
                  dout, qkv, att, (const float*)delta, t, nh, nkv, (float)(1.0 / sqrt((double)D)));
    return cudaSuccess;
}
}  // namespace fa
