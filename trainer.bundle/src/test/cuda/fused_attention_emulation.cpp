// Runs the fused attention kernels of src/main/cuda/fused_attention.cuh on the CPU, against a model
// of the CUDA calls they use, and compares them with a plain double-precision attention.
//
// What it checks: the kernels' indexing, tiling, masking, online softmax, synchronisation and the
// formulas of the backward, which are the same code that nvcc compiles. What it cannot check: the
// GPU itself (timing, the hardware's own order of summation in mma). The model:
//   - every CUDA thread is a std::thread; a block's threads run together, blocks one after another;
//     __syncthreads and __syncwarp are barriers over the block and over the warp;
//     __shfl_xor_sync goes through a per-warp exchange buffer; atomicAdd is std::atomic_ref;
//   - wmma: every lane holds the whole 16x16 (or 16x8, 8x16) tile; load_matrix_sync reads it with
//     the documented layout (row_major: element (i, j) at p[i * ldm + j]; col_major: p[j * ldm + i]),
//     mma_sync multiplies in float, store_matrix_sync writes it once (lane 0) between warp barriers;
//   - __float_to_tf32 rounds to 10 mantissa bits (nearest, ties to even), or, in the exact pass,
//     leaves the value alone, so that the kernels must then match the reference to fp32 rounding.
//
// Build and run (the CUDA fragment's Maven build does this in its test phase where g++ exists):
//   g++ -std=c++20 -O2 -pthread -I trainer.bundle/src/main/cuda \
//       trainer.bundle/src/test/cuda/fused_attention_emulation.cpp -o /tmp/fa && /tmp/fa
#include <algorithm>
#include <atomic>
#include <barrier>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <thread>
#include <type_traits>
#include <vector>

// ---------------------------------------------------------------------------- the CUDA model

#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(x)
#define __align__(x)  // fa::sm below is defined aligned
#define __shared__

struct Dim3 {
    unsigned x = 1, y = 1, z = 1;
};
thread_local Dim3 threadIdx, blockIdx;
Dim3 blockDim, gridDim;

struct alignas(16) float4 {
    float x, y, z, w;
};
inline float4 make_float4(float x, float y, float z, float w) {
    return float4{x, y, z, w};
}
inline float __expf(float x) {
    return std::exp(x);
}

struct BlockSync {
    explicit BlockSync(unsigned threads) : block(threads), exchange(threads) {
        for (unsigned w = 0; w < threads / 32; w++) warps.push_back(std::make_unique<std::barrier<>>(32));
    }
    std::barrier<> block;
    std::vector<std::unique_ptr<std::barrier<>>> warps;
    std::vector<float> exchange;
};
thread_local BlockSync* sync_;

inline void __syncthreads() {
    sync_->block.arrive_and_wait();
}
inline void __syncwarp(unsigned = 0xffffffffu) {
    sync_->warps[threadIdx.x / 32]->arrive_and_wait();
}
inline float __shfl_xor_sync(unsigned, float v, int mask) {
    unsigned lane = threadIdx.x & 31, base = threadIdx.x & ~31u;
    sync_->exchange[threadIdx.x] = v;
    __syncwarp();
    float other = sync_->exchange[base + (lane ^ (unsigned)mask)];
    __syncwarp();
    return other;
}
inline float atomicAdd(float* p, float v) {
    return std::atomic_ref<float>(*p).fetch_add(v);
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

namespace fa {
alignas(128) float sm[160 * 1024 / 4];  // the block's dynamic shared memory (blocks run one at a time)
}

#include "fused_attention.cuh"

template <class... P, class... A>
void launch(void (*kernel)(P...), Dim3 grid, unsigned threads, size_t sharedBytes, A... args) {
    if (sharedBytes > sizeof fa::sm) {
        std::fprintf(stderr, "kernel needs %zu bytes of shared memory, the model has %zu\n", sharedBytes,
                     sizeof fa::sm);
        std::exit(2);
    }
    gridDim = grid;
    blockDim = Dim3{threads, 1, 1};
    for (unsigned z = 0; z < grid.z; z++)
        for (unsigned y = 0; y < grid.y; y++)
            for (unsigned x = 0; x < grid.x; x++) {
                std::memset(fa::sm, 0xff, sizeof fa::sm);  // NaN garbage: unwritten shared memory shows
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

// ---------------------------------------------------------------------------- the reference

// Causal attention in double: out (B, T, C), dqkv += gradients, from qkv (B, T, 3C) and dout.
void reference(int Bn, int T, int NH, const std::vector<float>& qkv, const std::vector<float>& dout,
               std::vector<double>& out, std::vector<double>& lse, std::vector<double>& dqkv) {
    const int D = 64, C = NH * D;
    double scale = 1.0 / std::sqrt((double)D);
    out.assign((size_t)Bn * T * C, 0.0);
    lse.assign((size_t)Bn * NH * T, 0.0);
    auto Q = [&](int b, int t, int h, int d) { return (double)qkv[((size_t)b * T + t) * 3 * C + h * D + d]; };
    auto K = [&](int b, int t, int h, int d) { return (double)qkv[((size_t)b * T + t) * 3 * C + C + h * D + d]; };
    auto V = [&](int b, int t, int h, int d) { return (double)qkv[((size_t)b * T + t) * 3 * C + 2 * C + h * D + d]; };
    for (int b = 0; b < Bn; b++)
        for (int h = 0; h < NH; h++)
            for (int i = 0; i < T; i++) {
                std::vector<double> p(i + 1);
                double mx = -INFINITY;
                for (int j = 0; j <= i; j++) {
                    double s = 0;
                    for (int d = 0; d < D; d++) s += Q(b, i, h, d) * K(b, j, h, d);
                    p[j] = s * scale;
                    mx = std::max(mx, p[j]);
                }
                double sum = 0;
                for (int j = 0; j <= i; j++) sum += p[j] = std::exp(p[j] - mx);
                lse[((size_t)b * NH + h) * T + i] = mx + std::log(sum);
                std::vector<double> dp(i + 1);
                double dsum = 0;
                for (int j = 0; j <= i; j++) {
                    p[j] /= sum;
                    double g = 0;
                    for (int d = 0; d < D; d++) {
                        out[((size_t)b * T + i) * C + h * D + d] += p[j] * V(b, j, h, d);
                        g += (double)dout[((size_t)b * T + i) * C + h * D + d] * V(b, j, h, d);
                    }
                    dp[j] = g;
                    dsum += p[j] * g;
                }
                for (int j = 0; j <= i; j++) {
                    double ds = p[j] * (dp[j] - dsum) * scale;
                    for (int d = 0; d < D; d++) {
                        dqkv[((size_t)b * T + i) * 3 * C + h * D + d] += ds * K(b, j, h, d);
                        dqkv[((size_t)b * T + j) * 3 * C + C + h * D + d] += ds * Q(b, i, h, d);
                        dqkv[((size_t)b * T + j) * 3 * C + 2 * C + h * D + d] +=
                            p[j] * dout[((size_t)b * T + i) * C + h * D + d];
                    }
                }
            }
}

// worst |a - e| over max |e| (relative) or absolute
double worst(const std::vector<float>& a, const std::vector<double>& e, bool relative) {
    double w = 0, m = 0;
    for (size_t i = 0; i < a.size(); i++) {
        if (!std::isfinite(a[i])) return INFINITY;
        w = std::max(w, std::abs(a[i] - e[i]));
        m = std::max(m, std::abs(e[i]));
    }
    return relative ? w / m : w;
}

bool check(const char* what, double err, double bound) {
    bool ok = err <= bound;
    std::printf("  %-34s %.3g (bound %.0e) %s\n", what, err, bound, ok ? "ok" : "FAILED");
    return ok;
}

bool run(int Bn, int T, int NH, bool exact) {
    exactTf32 = exact;
    const int D = 64, C = NH * D;
    std::printf("B %d, T %d, %d heads of 64, %s\n", Bn, T, NH, exact ? "no TF32 rounding" : "TF32");
    std::mt19937 rng(1234 + T);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::vector<float> qkv((size_t)Bn * T * 3 * C), dout((size_t)Bn * T * C), dqkv((size_t)Bn * T * 3 * C);
    for (auto& x : qkv) x = u(rng);
    for (auto& x : dout) x = u(rng);
    for (auto& x : dqkv) x = u(rng);  // the backward adds to what is there
    const std::vector<float> before = dqkv;
    std::vector<double> refOut, refLse, refDqkv(dqkv.begin(), dqkv.end());
    reference(Bn, T, NH, qkv, dout, refOut, refLse, refDqkv);

    size_t rows = (size_t)Bn * NH * T;
    std::vector<float> out((size_t)Bn * T * C, NAN), att(rows * (1 + D), NAN), delta(rows, NAN);
    float scale = (float)(1.0 / std::sqrt((double)D));
    Dim3 grid{(unsigned)((T + fa::B - 1) / fa::B), (unsigned)NH, (unsigned)Bn};
    launch(fa::forwardKernel, grid, 128, 5 * fa::TILE * sizeof(float), out.data(), att.data(), att.data() + rows,
           (const float*)qkv.data(), T, NH, scale);
    std::vector<float> lse(att.begin(), att.begin() + rows);
    bool ok = true;
    double outBound = exact ? 1e-5 : 5e-3;
    ok &= check("forward output (abs)", worst(out, refOut, false), outBound);
    ok &= check("log-sum-exp (abs)", worst(lse, refLse, false), exact ? 1e-5 : 5e-3);
    // the output's copy in (B, NH, T, 64) order
    double copyErr = 0;
    for (int b = 0; b < Bn; b++)
        for (int h = 0; h < NH; h++)
            for (int t = 0; t < T; t++)
                for (int d = 0; d < D; d++)
                    copyErr = std::max(copyErr, (double)std::abs(att[rows + (((size_t)b * NH + h) * T + t) * D + d] -
                                                                 out[((size_t)b * T + t) * C + h * D + d]));
    ok &= check("output copy", copyErr, 0.0);

    launch(fa::deltaKernel, Dim3{(unsigned)((rows * 32 + 255) / 256), 1, 1}, 256, 0, delta.data(),
           (const float*)dout.data(), (const float*)(att.data() + rows), Bn, T, NH);
    launch(fa::backwardKernel, grid, 128, (8 * fa::TILE + 2 * fa::B) * sizeof(float), dqkv.data(),
           (const float*)dout.data(), (const float*)qkv.data(), (const float*)att.data(), (const float*)delta.data(),
           T, NH, scale);
    // the gradients alone (what the backward added), relative to their largest entry
    std::vector<double> grad(refDqkv.size());
    std::vector<float> got(dqkv.size());
    for (size_t i = 0; i < grad.size(); i++) {
        grad[i] = refDqkv[i] - before[i];
        got[i] = dqkv[i] - before[i];
    }
    ok &= check("dqkv (relative to largest)", worst(got, grad, true), exact ? 1e-4 : 1e-2);
    return ok;
}

int main() {
    bool ok = true;
    for (bool exact : {true, false}) {
        ok &= run(2, 130, 2, exact);  // three query tiles, the last partial
        ok &= run(1, 37, 2, exact);   // one partial tile
        ok &= run(1, 128, 1, exact);  // two whole tiles
    }
    std::printf(ok ? "fused attention emulation: all passed\n" : "fused attention emulation: FAILED\n");
    return ok ? 0 : 1;
}
