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
//
// Where the time goes, and what the layout does about it:
//   - Shared memory bandwidth: each warp multiplies its own 16 rows; a fragment of the left operand
//     is loaded once per 8-wide slice of K and used for all four 16-column blocks, and the forward
//     keeps its queries' fragments in registers for the whole key loop.
//   - Bank conflicts: a tile's row stride is 68 floats (bank = 4 row + column) where fragments are
//     read as row-major A or column-major B, 72 (bank = 8 row + column) where they are read as
//     row-major B or column-major A. In the per-row loops (softmax, probabilities) the two lanes of
//     a row walk their 32 columns starting at a column rotated by the row, so that the 32 lanes of a
//     warp hit 32 different banks at every step.
//   - Occupancy: 2 blocks of 4 warps per SM; the backward keeps dK and dV in registers.
//   - Memory latency: a tile's loads are all in flight at once (fetch), and the forward loads the
//     next key tile into registers while it multiplies the current one.
//   - The forward starts the longest query rows (the last tiles) first; dQ goes to global memory
//     with 16-byte atomic adds (sm_90).
namespace fa {
using namespace nvcuda;
constexpr int B = 64;     // rows per tile (queries or keys)
constexpr int D = 64;     // head size
constexpr int LDA = 68;   // stride of tiles read as row-major A or column-major B
constexpr int LDB = 72;   // stride of tiles read as row-major B or column-major A
constexpr int TILE_A = B * LDA;
constexpr int TILE_B = B * LDB;
constexpr size_t FORWARD_SHARED = (3 * TILE_A + TILE_B + B) * sizeof(float);
constexpr size_t BACKWARD_SHARED = (4 * TILE_A + 2 * TILE_B + 2 * B) * sizeof(float);

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

__device__ __forceinline__ void zero(FragC (&acc)[4]) {
#pragma unroll
    for (int n = 0; n < 4; n++) wmma::fill_fragment(acc[n], 0.0f);
}

// B (8 x 16) at rows 8k.., columns 16n.. of Y (64 x 64, stride ldy): Y[8k + i][16n + j], or
// transposed Y[16n + j][8k + i]
template <bool B_T>
__device__ __forceinline__ void loadB(typename std::conditional<B_T, FragBT, FragB>::type& b, const float* y, int ldy,
                                      int k, int n) {
    if (B_T) {
        wmma::load_matrix_sync(b, y + (n * 16) * ldy + k * 8, ldy);
    } else {
        wmma::load_matrix_sync(b, y + (k * 8) * ldy + n * 16, ldy);
    }
    toTf32(b);
}

// acc (16 x 64, four 16 x 16 blocks) += A (16 x 64) . Y (64 x 64) or Y^T, where A is the rows r0..
// of X (64 x 64, stride ldx) or, transposed, the columns r0.. of X
template <bool A_T, bool B_T>
__device__ void mma16x64(FragC (&acc)[4], const float* x, int ldx, int r0, const float* y, int ldy) {
#pragma unroll
    for (int k = 0; k < 8; k++) {
        typename std::conditional<A_T, FragAT, FragA>::type a;
        if (A_T) {
            wmma::load_matrix_sync(a, x + (k * 8) * ldx + r0, ldx);
        } else {
            wmma::load_matrix_sync(a, x + r0 * ldx + k * 8, ldx);
        }
        toTf32(a);
#pragma unroll
        for (int n = 0; n < 4; n++) {
            typename std::conditional<B_T, FragBT, FragB>::type b;
            loadB<B_T>(b, y, ldy, k, n);
            wmma::mma_sync(acc[n], a, b, acc[n]);
        }
    }
}

__device__ __forceinline__ void store(float* c, int ldc, const FragC (&acc)[4]) {
#pragma unroll
    for (int n = 0; n < 4; n++) wmma::store_matrix_sync(c + n * 16, acc[n], ldc, wmma::mem_row_major);
}

__device__ __forceinline__ void load(FragC (&acc)[4], const float* c, int ldc) {
#pragma unroll
    for (int n = 0; n < 4; n++) wmma::load_matrix_sync(acc[n], c + n * 16, ldc, wmma::mem_row_major);
}

// The column that the lane pair of tile row r visits at step jj (0..31): each lane of the pair
// (h = 0, 1) walks its half of the row from a start rotated by r + 16 h, so that the 32 lanes of a
// warp (16 rows x 2 halves) hit 32 banks at every step for row strides of 4 or 8 mod 32.
__device__ __forceinline__ int rotated(int r, int h, int jj) {
    return h * 32 + ((jj + r + 16 * h) & 31);
}

constexpr int THREADS = 128;                   // every launch: 4 warps
constexpr int PER_THREAD = B * D / 4 / THREADS;  // float4s of a tile per thread

// rows t0.. of one head of a tensor whose rows are `stride` floats apart (q, k or v at `offset` in
// qkv (B, T, 3C), or a (B, T, C) tensor), PER_THREAD float4s per thread into registers, zeros past
// T. The loop has a fixed trip count, so that every load is in flight at once (a loop that stored
// each float4 before loading the next would wait for memory PER_THREAD times).
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

// what fetch loaded into dst (64 rows, stride ld)
__device__ __forceinline__ void put(float* dst, int ld, const float4 (&v)[PER_THREAD]) {
#pragma unroll
    for (int it = 0; it < PER_THREAD; it++) {
        int i = threadIdx.x + it * THREADS;
        reinterpret_cast<float4*>(dst + (i / (D / 4)) * ld)[i % (D / 4)] = v[it];
    }
}

// One block (4 warps, 16 query rows each) per (query tile, head, batch row); the last query tiles
// (the most key tiles) first.
__global__ void __launch_bounds__(THREADS, 2) forwardKernel(float* out, float* lse, float* ostash, const float* qkv,
                                                        int T, int NH, float scale) {
    COHORT_DYNAMIC_SHARED(float, sm, 128);
    float* Ks = sm;             // read as column-major B (S = Q K^T)
    float* Ss = Ks + TILE_A;    // S, then P: row-major A (O += P V); first the queries
    float* Os = Ss + TILE_A;
    float* Vs = Os + TILE_A;    // row-major B
    float* rowInv = Vs + TILE_B;
    int qt = gridDim.x - 1 - blockIdx.x, h = blockIdx.y, b = blockIdx.z;
    int C = NH * D, q0 = qt * B;
    size_t qkvRow = (size_t)3 * C;
    int w = threadIdx.x >> 5, lane = threadIdx.x & 31;
    float4 kv[PER_THREAD], vv[PER_THREAD];  // the next key tile's K and V, loaded while this one is used
    fetch(kv, qkv, qkvRow, (size_t)h * D, b, q0, T);
    put(Ss, LDA, kv);
    fetch(kv, qkv, qkvRow, (size_t)C + (size_t)h * D, b, 0, T);
    fetch(vv, qkv, qkvRow, (size_t)2 * C + (size_t)h * D, b, 0, T);
    for (int i = threadIdx.x; i < TILE_A; i += blockDim.x) Os[i] = 0.0f;
    __syncthreads();
    FragA qf[8];  // this warp's 16 query rows, in registers for the whole loop
#pragma unroll
    for (int k = 0; k < 8; k++) {
        wmma::load_matrix_sync(qf[k], Ss + w * 16 * LDA + k * 8, LDA);
        toTf32(qf[k]);
    }
    __syncwarp();  // the queries are read before S overwrites them (each warp its own rows)
    // each query row belongs to a pair of lanes of its warp: lane & 1 picks the half of the columns
    int r = w * 16 + (lane >> 1), half = lane & 1;
    int qi = q0 + r;
    float m = -INFINITY, l = 0.0f;
    float* srow = Ss + r * LDA;
    float* orow = Os + r * LDA;
    for (int kt = 0; kt <= qt; kt++) {
        int k0 = kt * B;
        __syncthreads();  // the previous tile's K, V are no longer read
        put(Ks, LDA, kv);
        put(Vs, LDB, vv);
        __syncthreads();
        if (kt < qt) {  // the next tile's loads run under this tile's products
            fetch(kv, qkv, qkvRow, (size_t)C + (size_t)h * D, b, k0 + B, T);
            fetch(vv, qkv, qkvRow, (size_t)2 * C + (size_t)h * D, b, k0 + B, T);
        }
        FragC acc[4];
        zero(acc);
#pragma unroll
        for (int k = 0; k < 8; k++) {
#pragma unroll
            for (int n = 0; n < 4; n++) {
                FragBT kf;
                loadB<true>(kf, Ks, LDA, k, n);
                wmma::mma_sync(acc[n], qf[k], kf, acc[n]);  // S = Q K^T
            }
        }
        store(Ss + w * 16 * LDA, LDA, acc);
        __syncwarp();
        bool masked = kt == qt || k0 + B > T;  // only the diagonal tile and the last one need the mask
        float mx = -INFINITY;
        for (int jj = 0; jj < 32; jj++) {
            int j = rotated(r, half, jj);
            float v = srow[j] * scale;
            if (masked && (k0 + j > qi || k0 + j >= T)) v = -INFINITY;
            srow[j] = v;
            mx = fmaxf(mx, v);
        }
        mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, 1));
        float mNew = fmaxf(m, mx);
        float sum = 0.0f;
        float alpha = m == -INFINITY ? 0.0f : __expf(m - mNew);
        for (int jj = 0; jj < 32; jj++) {
            int j = rotated(r, half, jj);
            float s = srow[j];
            float p = s == -INFINITY ? 0.0f : __expf(s - mNew);
            srow[j] = p;
            sum += p;
            orow[j] *= alpha;
        }
        sum += __shfl_xor_sync(0xffffffffu, sum, 1);
        l = l * alpha + sum;
        m = mNew;
        __syncwarp();
        load(acc, Os + w * 16 * LDA, LDA);
        mma16x64<false, false>(acc, Ss, LDA, w * 16, Vs, LDB);  // O += P V
        store(Os + w * 16 * LDA, LDA, acc);
    }
    if (half == 0) {
        rowInv[r] = 1.0f / l;
        if (qi < T) lse[((size_t)b * NH + h) * T + qi] = m + logf(l);
    }
    __syncwarp();
    // this warp's 16 rows out, a float4 per lane: 16 lanes per row
    for (int i = lane; i < 16 * D / 4; i += 32) {
        int rr = w * 16 + i / (D / 4), d4 = i % (D / 4);
        if (q0 + rr >= T) continue;
        float4 o = reinterpret_cast<const float4*>(Os + rr * LDA)[d4];
        float inv = rowInv[rr];
        o = make_float4(o.x * inv, o.y * inv, o.z * inv, o.w * inv);
        reinterpret_cast<float4*>(out + ((size_t)b * T + q0 + rr) * C + (size_t)h * D)[d4] = o;
        // the copy follows B*NH*T log-sum-exps in att: 4-byte aligned only
        float* st = ostash + (((size_t)b * NH + h) * T + q0 + rr) * D + d4 * 4;
        st[0] = o.x;
        st[1] = o.y;
        st[2] = o.z;
        st[3] = o.w;
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

// One block (4 warps) per (key tile, head, batch row): dK and dV of its 64 keys (each warp 16 of
// them, in registers) over every query tile at or after it; dQ added to dqkv with atomics (the key
// tiles of a query row run in parallel).
__global__ void __launch_bounds__(THREADS, 2) backwardKernel(float* dqkv, const float* dout, const float* qkv,
                                                         const float* lse, const float* delta, int T, int NH,
                                                         float scale) {
    COHORT_DYNAMIC_SHARED(float, sm, 128);
    float* Ks = sm;            // column-major B (S = Q K^T), row-major B (dQ = dS K)
    float* Vs = Ks + TILE_A;   // column-major B (dP = dO V^T)
    float* Qs = Vs + TILE_A;   // row-major A (S), row-major B (dK)
    float* Gs = Qs + TILE_A;   // dout: row-major A (dP), row-major B (dV)
    float* Ps = Gs + TILE_A;   // S, then P: column-major A (dV); then this block's dQ
    float* Ds = Ps + TILE_B;   // dP, then dS * scale: column-major A (dK), row-major A (dQ)
    float* rowL = Ds + TILE_B; // log-sum-exp and delta of the query tile's rows
    float* rowD = rowL + B;
    int kt = blockIdx.x, h = blockIdx.y, b = blockIdx.z;
    int C = NH * D, k0 = kt * B, tiles = (T + B - 1) / B;
    size_t qkvRow = (size_t)3 * C;
    int w = threadIdx.x >> 5, lane = threadIdx.x & 31;
    {
        float4 kv[PER_THREAD], vv[PER_THREAD];
        fetch(kv, qkv, qkvRow, (size_t)C + (size_t)h * D, b, k0, T);
        fetch(vv, qkv, qkvRow, (size_t)2 * C + (size_t)h * D, b, k0, T);
        put(Ks, LDA, kv);
        put(Vs, LDA, vv);
    }
    FragC dK[4], dV[4];  // keys w*16.. of the tile
    zero(dK);
    zero(dV);
    int r = w * 16 + (lane >> 1), half = lane & 1;  // the query row this lane pair handles
    for (int qt = kt; qt < tiles; qt++) {
        int q0 = qt * B;
        {
            float4 qv[PER_THREAD], gv[PER_THREAD];  // loaded before the barrier, stored after it
            fetch(qv, qkv, qkvRow, (size_t)h * D, b, q0, T);
            fetch(gv, dout, (size_t)C, (size_t)h * D, b, q0, T);
            int i = threadIdx.x;  // threads 0..63: a row's log-sum-exp and delta
            size_t head = ((size_t)b * NH + h) * T + q0 + i;
            bool row = i < B && q0 + i < T;
            float li = row ? lse[head] : 0.0f, di = row ? delta[head] : 0.0f;
            __syncthreads();  // the previous query tile is no longer read
            put(Qs, LDA, qv);
            put(Gs, LDA, gv);
            if (i < B) {
                rowL[i] = li;
                rowD[i] = di;
            }
        }
        __syncthreads();
        FragC acc[4];
        zero(acc);
        mma16x64<false, true>(acc, Qs, LDA, w * 16, Ks, LDA);  // S = Q K^T
        store(Ps + w * 16 * LDB, LDB, acc);
        zero(acc);
        mma16x64<false, true>(acc, Gs, LDA, w * 16, Vs, LDA);  // dP = dO V^T
        store(Ds + w * 16 * LDB, LDB, acc);
        __syncwarp();
        int qi = q0 + r;
        float L = rowL[r], Dq = rowD[r];
        float* prow = Ps + r * LDB;
        float* drow = Ds + r * LDB;
        bool masked = qt == kt || q0 + B > T || k0 + B > T;
        for (int jj = 0; jj < 32; jj++) {
            int j = rotated(r, half, jj);
            int kj = k0 + j;
            bool live = !masked || (kj <= qi && kj < T && qi < T);
            float p = live ? __expf(prow[j] * scale - L) : 0.0f;
            prow[j] = p;
            drow[j] = p * (drow[j] - Dq) * scale;  // d loss / d (q . k)
        }
        __syncthreads();  // all of P and dS are written
        mma16x64<true, false>(dV, Ps, LDB, w * 16, Gs, LDA);  // dV (keys w*16..) += P^T dO
        mma16x64<true, false>(dK, Ds, LDB, w * 16, Qs, LDA);  // dK (keys w*16..) += dS^T Q
        zero(acc);
        mma16x64<false, false>(acc, Ds, LDB, w * 16, Ks, LDA);  // dQ rows = dS K
        __syncthreads();  // every warp is done with P: its rows take each warp's dQ
        store(Ps + w * 16 * LDB, LDB, acc);
        __syncwarp();
        // this warp's 16 rows of dQ, a float4 per lane: 16 lanes per row
        for (int i = lane; i < 16 * D / 4; i += 32) {
            int rr = w * 16 + i / (D / 4), d4 = i % (D / 4);
            if (q0 + rr >= T) continue;
            float4 v = reinterpret_cast<const float4*>(Ps + rr * LDB)[d4];
            atomicAdd(reinterpret_cast<float4*>(dqkv + ((size_t)b * T + q0 + rr) * qkvRow + (size_t)h * D) + d4, v);
        }
    }
    __syncthreads();  // Qs and Gs are free: they take dK and dV
    store(Qs + w * 16 * LDA, LDA, dK);
    store(Gs + w * 16 * LDA, LDA, dV);
    __syncthreads();
    for (int i = threadIdx.x; i < B * D / 4; i += blockDim.x) {
        int rr = i / (D / 4), d4 = i % (D / 4);
        if (k0 + rr >= T) continue;
        float4* row = reinterpret_cast<float4*>(dqkv + ((size_t)b * T + k0 + rr) * qkvRow + (size_t)h * D);
        float4 dk = reinterpret_cast<const float4*>(Qs + rr * LDA)[d4];
        float4 dv = reinterpret_cast<const float4*>(Gs + rr * LDA)[d4];
        float4 a = row[C / 4 + d4], c = row[2 * C / 4 + d4];
        row[C / 4 + d4] = make_float4(a.x + dk.x, a.y + dk.y, a.z + dk.z, a.w + dk.w);
        row[2 * C / 4 + d4] = make_float4(c.x + dv.x, c.y + dv.y, c.z + dv.z, c.w + dv.w);
    }
}
}  // namespace fa
