// Products of few rows (a decoding step's) on the tensor cores in TF32, split along K (CUDA C++,
// included by cohort_cuda.cu). Self-contained, so that src/test/cuda/few_rows_gemm_emulation.cpp
// can compile it for the CPU against a model of CUDA.
//
// part[s] (n x N) = inp[:, s*ks .. (s+1)*ks) . W[s*ks .. (s+1)*ks, :]  for W (K x N) row-major
// (the IN_OUT layout), n <= 64 * gridDim.y, N and ks multiples of 64. A block takes 64 rows x 64
// columns of one piece s: it walks the piece's K in chunks of 64, staging the rows' chunk and the
// weights' chunk in shared memory, with 4 warps each accumulating 16 rows x 64 columns in wmma
// fragments (registers) across the chunks; the caller adds the pieces and the bias. The weights
// are read once per piece, coalesced; the rows' chunk comes from L2.
#pragma once
#include <cstddef>

#include "reduce.cuh"

namespace frg {
using namespace nvcuda;
constexpr int T = 64;   // rows, columns and K per tile
constexpr int LD = 72;  // shared row stride in floats (a multiple of 4 for wmma)

template <typename F>
__device__ __forceinline__ void toTf32(F& f) {
#pragma unroll
    for (int i = 0; i < f.num_elements; i++) f.x[i] = wmma::__float_to_tf32(f.x[i]);
}

constexpr int THREADS = 128;

__global__ void __launch_bounds__(THREADS) kernel(float* part, const float* inp, const float* w, int n, int K, int N,
                                              int ks) {
    COHORT_DYNAMIC_SHARED(float, smem, 128);
    float* As = smem;           // 64 rows x 64 k
    float* Ws = As + T * LD;    // 64 k x 64 columns; at the end, the 64 x 64 result
    int n0 = blockIdx.x * T, r0 = blockIdx.y * T, s = blockIdx.z;
    int k0 = s * ks;
    int wp = threadIdx.x >> 5;
    wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[4];
#pragma unroll
    for (int j = 0; j < 4; j++) wmma::fill_fragment(acc[j], 0.0f);
    for (int kc = k0; kc < k0 + ks; kc += T) {
        __syncthreads();  // the previous chunk is no longer read
        // THREADS threads (the launch): 8 float4s of each tile per thread, all loads in flight together
#pragma unroll
        for (int it = 0; it < T * T / 4 / THREADS; it++) {
            int i = threadIdx.x + it * THREADS;
            int r = i / (T / 4), c4 = i % (T / 4);
            float4 a = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
            if (r0 + r < n) a = reinterpret_cast<const float4*>(inp + (size_t)(r0 + r) * K + kc)[c4];
            reinterpret_cast<float4*>(As + r * LD)[c4] = a;
            reinterpret_cast<float4*>(Ws + r * LD)[c4] =
                reinterpret_cast<const float4*>(w + (size_t)(kc + r) * N + n0)[c4];
        }
        __syncthreads();
#pragma unroll
        for (int k = 0; k < T / 8; k++) {
            wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> a;
            wmma::load_matrix_sync(a, As + wp * 16 * LD + k * 8, LD);
            toTf32(a);
#pragma unroll
            for (int j = 0; j < 4; j++) {
                wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> b;
                wmma::load_matrix_sync(b, Ws + k * 8 * LD + j * 16, LD);
                toTf32(b);
                wmma::mma_sync(acc[j], a, b, acc[j]);
            }
        }
    }
    __syncthreads();  // Ws takes the result
#pragma unroll
    for (int j = 0; j < 4; j++) wmma::store_matrix_sync(Ws + wp * 16 * LD + j * 16, acc[j], LD, wmma::mem_row_major);
    __syncthreads();
    float* out = part + (size_t)s * n * N;
    for (int i = threadIdx.x; i < T * T; i += blockDim.x) {
        int r = i / T, c = i % T;
        if (r0 + r < n) out[(size_t)(r0 + r) * N + n0 + c] = Ws[r * LD + c];
    }
}

constexpr size_t SHARED = 2 * T * LD * sizeof(float);

// Whether this kernel computes a product: few rows, widths in whole tiles, rows read as float4s.
inline bool fits(int n, int K, int N, int splits, const float* inp, const float* w) {
    return n > 0 && n <= 2 * T && N % T == 0 && K % splits == 0 && (K / splits) % T == 0 &&
           reinterpret_cast<size_t>(inp) % 16 == 0 && reinterpret_cast<size_t>(w) % 16 == 0;
}
}  // namespace frg
