// Warp and block reductions (CUDA C++, included by cohort_cuda.cu and the kernel headers).
// Self-contained, so that the CPU emulation tests in src/test/cuda can compile it too.
#pragma once
#include <cmath>

// A kernel's dynamic shared memory, aligned to `align` bytes (the CPU model of CUDA in
// src/test/cuda/cuda_model.h defines its own: an array of the emulation test).
#ifndef COHORT_DYNAMIC_SHARED
#define COHORT_DYNAMIC_SHARED(type, name, align) extern __shared__ __align__(align) type name[]
#endif

// A kernel launch from a header's launcher: on the GPU the <<<>>> launch; the CPU model
// (src/test/cuda/cuda_model.h) defines its own, so that the emulation tests run the launchers'
// grid and block choices too. A kernel template with several arguments is named through a local
// variable (the macro would split its commas).
#ifndef COHORT_LAUNCH
#define COHORT_LAUNCH(kernel, grid, block, shared, stream, ...) \
    kernel<<<(grid), (block), (shared), (stream)>>>(__VA_ARGS__)
#endif

// Blocks of `threads` for a grid-stride loop over `work` items: one item per thread, at most maxBlocks.
inline unsigned blocksFor(size_t work, int maxBlocks, int threads = 256) {
    size_t b = (work + threads - 1) / threads;
    if (b > (size_t)maxBlocks) b = maxBlocks;
    return (unsigned)(b < 1 ? 1 : b);
}

struct SumOp {
    template <typename T>
    __device__ __forceinline__ T operator()(T a, T b) const {
        return a + b;
    }
};

struct MaxOp {
    __device__ __forceinline__ float operator()(float a, float b) const {
        return fmaxf(a, b);
    }
};

template <typename T, typename Op>
__device__ __forceinline__ T warpReduce(T v, Op op) {
    for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Block-wide reduction for blockDim.x a multiple of 32; every thread gets the result. Warps
// reduce, warp 0 reduces their results (`identity` past the last warp).
template <typename T, typename Op>
__device__ T blockReduce(T v, Op op, T identity) {
    __shared__ T sh[32];
    __shared__ T result;
    v = warpReduce(v, op);
    int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = blockDim.x >> 5;
    __syncthreads();  // an earlier call's readers are done with sh and result
    if (lane == 0) sh[w] = v;
    __syncthreads();
    if (w == 0) {
        T x = warpReduce(lane < nw ? sh[lane] : identity, op);
        if (lane == 0) result = x;
    }
    __syncthreads();
    return result;
}

__device__ __forceinline__ double warpSumD(double v) {
    return warpReduce(v, SumOp());
}

__device__ __forceinline__ float warpMax(float v) {
    return warpReduce(v, MaxOp());
}

__device__ double blockSumD(double v) {
    return blockReduce(v, SumOp(), 0.0);
}

__device__ float blockMax(float v) {
    return blockReduce(v, MaxOp(), -INFINITY);
}

__device__ int blockSumI(int v) {
    return blockReduce(v, SumOp(), 0);
}
