// A model of the CUDA calls that Cohort's kernel headers use, for running those kernels on the
// CPU in tests (src/test/cuda/*_emulation.cpp). What it models:
//   - every CUDA thread is a std::thread; a block's threads run together, blocks one after another;
//     __syncthreads and __syncwarp are barriers over the block and over the warp;
//     __shfl_xor_sync goes through a per-warp exchange buffer; atomicAdd is std::atomic_ref;
//     a 16-byte atomicAdd (float4, sm_90) is four of them;
//   - wmma: every lane holds the whole 16x16 (or 16x8, 8x16) tile; load_matrix_sync reads it with
//     the documented layout (row_major: element (i, j) at p[i * ldm + j]; col_major: p[j * ldm + i]),
//     mma_sync multiplies in float, store_matrix_sync writes it once (lane 0) between warp barriers;
//   - mma.sync m16n8k8 TF32 (mmaTf32) with the per-lane fragment layout of the PTX ISA;
//   - __float_to_tf32 rounds to 10 mantissa bits (nearest, ties to even), or leaves the value alone
//     while `exactTf32` is set, so that kernels must then match a reference to fp32 rounding.
// What it cannot show: the GPU's speed, its own order of summation inside mma, or faults that only
// the hardware raises.
#pragma once
#include <algorithm>
#include <atomic>
#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <thread>
#include <type_traits>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __align__(x)  // fa::sm below is defined aligned
// Block-scope __shared__ arrays (reductions) are static: one per kernel, shared by the threads of
// the block that runs (blocks run one after another). A kernel's dynamic shared memory
// (COHORT_DYNAMIC_SHARED) is an array that the emulation test defines, in the kernel's namespace.
#define __shared__ static
#define COHORT_DYNAMIC_SHARED(type, name, align) extern type name[]

struct Dim3 {
    unsigned x = 1, y = 1, z = 1;
};
thread_local Dim3 threadIdx, blockIdx;
Dim3 blockDim, gridDim;

// dim3 as a function (the headers' launchers write dim3(x, y)); streams are not modelled
inline Dim3 dim3(unsigned x, unsigned y = 1, unsigned z = 1) {
    return Dim3{x, y, z};
}
inline Dim3 asGrid(Dim3 d) {
    return d;
}
template <class N>
inline Dim3 asGrid(N n) {
    return Dim3{(unsigned)n, 1, 1};
}
typedef void* cudaStream_t;
typedef int cudaError_t;
constexpr cudaError_t cudaSuccess = 0;
enum cudaFuncAttribute { cudaFuncAttributeMaxDynamicSharedMemorySize };
template <class F>
cudaError_t cudaFuncSetAttribute(F, cudaFuncAttribute, int) {
    return cudaSuccess;  // the model's shared memory is the test's array
}

struct alignas(16) float4 {
    float x, y, z, w;
};
inline float4 make_float4(float x, float y, float z, float w) {
    return float4{x, y, z, w};
}
inline float __expf(float x) {
    return std::exp(x);
}
inline float __fmul_rn(float a, float b) {  // a product rounded on its own, never fused
    return a * b;
}
inline int min(int a, int b) {
    return a < b ? a : b;
}

// bf16: the top half of a float's bits; conversion rounds to nearest even
struct __nv_bfloat16 {
    uint16_t bits;
};
struct __nv_bfloat162 {
    __nv_bfloat16 x, y;
};
struct float2 {
    float x, y;
};
inline float2 make_float2(float x, float y) {
    return float2{x, y};
}
inline __nv_bfloat16 __float2bfloat16(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    if (std::isnan(f)) return __nv_bfloat16{(uint16_t)((u >> 16) | 0x40)};
    u += 0x7FFFu + ((u >> 16) & 1u);
    return __nv_bfloat16{(uint16_t)(u >> 16)};
}
inline float __bfloat162float(__nv_bfloat16 b) {
    uint32_t u = (uint32_t)b.bits << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}
inline float2 __bfloat1622float2(__nv_bfloat162 b) {
    return float2{__bfloat162float(b.x), __bfloat162float(b.y)};
}

struct BlockSync {
    explicit BlockSync(unsigned threads) : block(threads), exchange(threads), mma(threads * 10) {
        for (unsigned w = 0; w < threads / 32; w++) warps.push_back(std::make_unique<std::barrier<>>(32));
    }
    std::barrier<> block;
    std::vector<std::unique_ptr<std::barrier<>>> warps;
    std::vector<double> exchange;  // holds float, double and int exactly
    std::vector<float> mma;        // each lane's fragments for mmaTf32: a0..a3, b0, b1, c0..c3
};
thread_local BlockSync* sync_;

inline void __syncthreads() {
    sync_->block.arrive_and_wait();
}
inline void __syncwarp(unsigned = 0xffffffffu) {
    sync_->warps[threadIdx.x / 32]->arrive_and_wait();
}
template <class T>
T __shfl_xor_sync(unsigned, T v, int mask) {
    unsigned lane = threadIdx.x & 31, base = threadIdx.x & ~31u;
    sync_->exchange[threadIdx.x] = (double)v;
    __syncwarp();
    T other = (T)sync_->exchange[base + (lane ^ (unsigned)mask)];
    __syncwarp();
    return other;
}
inline float atomicAdd(float* p, float v) {
    return std::atomic_ref<float>(*p).fetch_add(v);
}
inline float2 atomicAdd(float2* p, float2 v) {  // sm_90: one 8-byte atomic; here two
    return float2{atomicAdd(&p->x, v.x), atomicAdd(&p->y, v.y)};
}
inline float4 atomicAdd(float4* p, float4 v) {  // sm_90: one 16-byte atomic; here four
    return float4{atomicAdd(&p->x, v.x), atomicAdd(&p->y, v.y), atomicAdd(&p->z, v.z), atomicAdd(&p->w, v.w)};
}

bool exactTf32 = false;  // the exact pass: no rounding to TF32

namespace nvcuda {
namespace wmma {
struct matrix_a {};
struct matrix_b {};
struct accumulator {};
struct row_major {};
struct col_major {};
namespace precision {
struct tf32 {};
}
enum layout_t { mem_row_major, mem_col_major };

template <class Use, int M, int N, int K, class T, class Layout = void>
struct fragment {
    static constexpr int rows = std::is_same_v<Use, matrix_b> ? K : M;
    static constexpr int cols = std::is_same_v<Use, matrix_a> ? K : N;
    static constexpr int num_elements = rows * cols;
    float x[num_elements];  // this model: the whole tile in every lane, row by row
};

inline float __float_to_tf32(float f) {
    if (exactTf32 || !std::isfinite(f)) return f;
    uint32_t u;
    std::memcpy(&u, &f, 4);
    u += 0x0FFFu + ((u >> 13) & 1u);
    u &= 0xFFFFE000u;
    std::memcpy(&f, &u, 4);
    return f;
}

template <class Use, int M, int N, int K, class T, class L>
void load_matrix_sync(fragment<Use, M, N, K, T, L>& f, const float* p, unsigned ldm) {
    using F = fragment<Use, M, N, K, T, L>;
    for (int i = 0; i < F::rows; i++)
        for (int j = 0; j < F::cols; j++)
            f.x[i * F::cols + j] = std::is_same_v<L, col_major> ? p[j * ldm + i] : p[i * ldm + j];
}

template <int M, int N, int K>
void load_matrix_sync(fragment<accumulator, M, N, K, float>& f, const float* p, unsigned ldm, layout_t l) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) f.x[i * N + j] = l == mem_col_major ? p[j * ldm + i] : p[i * ldm + j];
}

template <int M, int N, int K>
void store_matrix_sync(float* p, const fragment<accumulator, M, N, K, float>& f, unsigned ldm, layout_t l) {
    __syncwarp();  // every lane has read what this overwrites
    if ((threadIdx.x & 31) == 0) {
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) (l == mem_col_major ? p[j * ldm + i] : p[i * ldm + j]) = f.x[i * N + j];
    }
    __syncwarp();
}

template <int M, int N, int K>
void fill_fragment(fragment<accumulator, M, N, K, float>& f, float v) {
    for (auto& e : f.x) e = v;
}

template <int M, int N, int K, class LA, class LB>
void mma_sync(fragment<accumulator, M, N, K, float>& d, const fragment<matrix_a, M, N, K, precision::tf32, LA>& a,
              const fragment<matrix_b, M, N, K, precision::tf32, LB>& b,
              const fragment<accumulator, M, N, K, float>& c) {
    float r[M * N];
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            float s = c.x[i * N + j];
            for (int k = 0; k < K; k++) s += a.x[i * K + k] * b.x[k * N + j];
            r[i * N + j] = s;
        }
    std::memcpy(d.x, r, sizeof r);
}
}  // namespace wmma
}  // namespace nvcuda

// mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 as the PTX ISA lays out its fragments: with
// g = lane / 4 and t = lane % 4, A (16 x 8) a0 (g, t), a1 (g + 8, t), a2 (g, t + 4), a3 (g + 8, t + 4);
// B (8 x 8) b0 (t, g), b1 (t + 4, g); C and D (16 x 8) c0 (g, 2t), c1 (g, 2t + 1), c2 (g + 8, 2t),
// c3 (g + 8, 2t + 1). The warp's lanes post their fragments, each lane rebuilds the three matrices
// and computes its own four results (in float, as the model's wmma does).
#define COHORT_CUDA_MODEL 1
inline void mmaTf32(float (&d)[4], const float (&a)[4], const float (&b)[2]) {
    unsigned lane = threadIdx.x & 31, base = threadIdx.x & ~31u;
    float* mine = &sync_->mma[threadIdx.x * 10];
    for (int i = 0; i < 4; i++) mine[i] = a[i];
    mine[4] = b[0];
    mine[5] = b[1];
    for (int i = 0; i < 4; i++) mine[6 + i] = d[i];
    __syncwarp();
    float A[16][8], Bm[8][8], Cm[16][8];
    for (unsigned l = 0; l < 32; l++) {
        const float* p = &sync_->mma[(base + l) * 10];
        int g = (int)(l >> 2), t = (int)(l & 3);
        A[g][t] = p[0];
        A[g + 8][t] = p[1];
        A[g][t + 4] = p[2];
        A[g + 8][t + 4] = p[3];
        Bm[t][g] = p[4];
        Bm[t + 4][g] = p[5];
        Cm[g][2 * t] = p[6];
        Cm[g][2 * t + 1] = p[7];
        Cm[g + 8][2 * t] = p[8];
        Cm[g + 8][2 * t + 1] = p[9];
    }
    __syncwarp();  // every lane has read every lane's fragments
    int g = (int)(lane >> 2), t = (int)(lane & 3);
    for (int i = 0; i < 4; i++) {
        int r = g + 8 * (i >> 1), c = 2 * t + (i & 1);
        float s = Cm[r][c];
        for (int k = 0; k < 8; k++) s += A[r][k] * Bm[k][c];
        d[i] = s;
    }
}


// The headers' launchers (COHORT_LAUNCH in reduce.cuh) run their kernels through launch() below;
// dynamic shared memory is the emulation test's own array, which beforeEachBlock (when a test sets
// it) poisons before each block.
inline std::function<void()> beforeEachBlock;
#define COHORT_LAUNCH(kernel, grid, block, shared, stream, ...) \
    launch(kernel, asGrid(grid), (unsigned)(block), beforeEachBlock, __VA_ARGS__)

// Runs kernel over grid with `threads` threads per block, one block after another; `beforeBlock`
// runs before each block (e.g. to poison shared memory).
template <class... P, class... A>
void launch(void (*kernel)(P...), Dim3 grid, unsigned threads, const std::function<void()>& beforeBlock, A... args) {
    gridDim = grid;
    blockDim = Dim3{threads, 1, 1};
    for (unsigned z = 0; z < grid.z; z++)
        for (unsigned y = 0; y < grid.y; y++)
            for (unsigned x = 0; x < grid.x; x++) {
                if (beforeBlock) beforeBlock();
                BlockSync bs(threads);
                std::vector<std::thread> ts;
                for (unsigned t = 0; t < threads; t++) {
                    ts.emplace_back([&, t] {
                        blockIdx = Dim3{x, y, z};
                        threadIdx = Dim3{t, 0, 0};
                        sync_ = &bs;
                        kernel(args...);
                    });
                }
                for (auto& t : ts) t.join();
            }
}

// worst |a - e| over the largest |e| (relative) or absolute; infinite where a is not finite
inline double worst(const std::vector<float>& a, const std::vector<double>& e, bool relative) {
    double w = 0, m = 0;
    for (size_t i = 0; i < a.size(); i++) {
        if (!std::isfinite(a[i])) return INFINITY;
        w = std::max(w, (double)std::abs(a[i] - e[i]));
        m = std::max(m, std::abs(e[i]));
    }
    return relative ? w / m : w;
}

inline bool check(const char* what, double err, double bound) {
    bool ok = err <= bound;
    std::printf("  %-34s %.3g (bound %.0e) %s\n", what, err, bound, ok ? "ok" : "FAILED");
    return ok;
}
