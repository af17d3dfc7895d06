// Token (and, for GPT-2, learned position) embedding and its backward (CUDA C++, included by cohort_cuda.cu).
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "reduce.cuh"

template <typename I>
__global__ void embeddingForwardKernel(float* out, const int* tokens, const int* positions, int n, const float* wte,
                                       const float* wpe, int c) {
    size_t total = (size_t)n * c;
    for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < (I)total; i += (I)gridDim.x * blockDim.x) {
        I r = i / (I)c, j = i % (I)c;
        float e = wte[(size_t)tokens[r] * c + j];
        out[i] = wpe ? e + wpe[(size_t)positions[r] * c + j] : e;
    }
}

template <typename I>
__global__ void embeddingBackwardKernel(float* dwte, float* dwpe, const float* dout, const int* tokens,
                                        const int* positions, int n, int c) {
    size_t total = (size_t)n * c;
    for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < (I)total; i += (I)gridDim.x * blockDim.x) {
        I r = i / (I)c, j = i % (I)c;
        float d = dout[i];
        atomicAdd(&dwte[(size_t)tokens[r] * c + j], d);
        if (dwpe) atomicAdd(&dwpe[(size_t)positions[r] * c + j], d);
    }
}
