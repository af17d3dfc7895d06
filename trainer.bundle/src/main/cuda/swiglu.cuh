// The SwiGLU activation of the Llama family's MLP (CUDA C++, included by cohort_cuda.cu) and its
// launchers. Self-contained, so that src/test/cuda/rope_swiglu_emulation.cpp can compile them for
// the CPU against a model of CUDA.
#pragma once
#include <cmath>
#include <cstddef>

#include "reduce.cuh"

// out = silu(gate) * up for rows (gate | up) of 2I (SwiGlu.java): sigmoid as 1 / (1 + exp(-g)) in fp32.
template <typename I>
__global__ void swigluForwardKernel(float* out, const float* gateUp, int n, int width) {
    size_t total = (size_t)n * width;
    for (I idx = blockIdx.x * (I)blockDim.x + threadIdx.x; idx < (I)total; idx += (I)gridDim.x * blockDim.x) {
        I r = idx / (I)width, i = idx % (I)width;
        size_t g = (size_t)r * 2 * width + i;
        float x = gateUp[g];
        float sig = 1.0f / (1.0f + expf(-x));
        out[idx] = x * sig * gateUp[g + width];
    }
}

// dgate += dout * up * sig * (1 + g (1 - sig)), dup += dout * silu(g)
template <typename I>
__global__ void swigluBackwardKernel(float* dgateUp, const float* gateUp, const float* dout, int n, int width) {
    size_t total = (size_t)n * width;
    for (I idx = blockIdx.x * (I)blockDim.x + threadIdx.x; idx < (I)total; idx += (I)gridDim.x * blockDim.x) {
        I r = idx / (I)width, i = idx % (I)width;
        size_t g = (size_t)r * 2 * width + i;
        float x = gateUp[g], up = gateUp[g + width], d = dout[idx];
        float sig = 1.0f / (1.0f + expf(-x));
        dgateUp[g] += d * up * sig * (1.0f + x * (1.0f - sig));
        dgateUp[g + width] += d * x * sig;
    }
}

// ------------------------------------------------------------------------------------------ launchers

inline void swigluForward(cudaStream_t st, int maxBlocks, float* out, const float* gateUp, int n, int width) {
    size_t total = (size_t)n * width;
    if (total < 0x7fffffffu)
        COHORT_LAUNCH(swigluForwardKernel<unsigned>, blocksFor(total, maxBlocks), 256, 0, st, out, gateUp, n, width);
    else
        COHORT_LAUNCH(swigluForwardKernel<size_t>, blocksFor(total, maxBlocks), 256, 0, st, out, gateUp, n, width);
}

inline void swigluBackward(cudaStream_t st, int maxBlocks, float* dgateUp, const float* gateUp, const float* dout,
                           int n, int width) {
    size_t total = (size_t)n * width;
    if (total < 0x7fffffffu)
        COHORT_LAUNCH(swigluBackwardKernel<unsigned>, blocksFor(total, maxBlocks), 256, 0, st, dgateUp, gateUp,
                      dout, n, width);
    else
        COHORT_LAUNCH(swigluBackwardKernel<size_t>, blocksFor(total, maxBlocks), 256, 0, st, dgateUp, gateUp,
                      dout, n, width);
}
