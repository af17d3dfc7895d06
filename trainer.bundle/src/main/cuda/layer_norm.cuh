// Layer norm kernels (CUDA C++, included by cohort_cuda.cu). Self-contained, so that
// src/test/cuda/layer_norm_emulation.cpp can compile them for the CPU against a model of CUDA.
#pragma once
#include <cmath>
#include <cstddef>

#include "reduce.cuh"

// Statistics in double as the Java backend does.
//
// layerNormRowKernel: one block per row, the row read once into registers (PER values per
// thread, rows of at most PER * blockDim.x). A decoding step normalises a few dozen rows, where the
// kernel's time is its longest chain of dependent steps: spread over a block, each thread has a
// few values to add instead of a warp walking the row.
// With `add` (residualLayerNormForward) the row is inp + add, written to `residual` (which may be
// inp) before it is normalised.
template <int PER>
__global__ void layerNormRowKernel(float* out, float* mean, float* rstd, const float* inp, const float* w,
                                   const float* b, int c, float eps, const float* add, float* residual) {
    int row = blockIdx.x;
    const float* x = inp + (size_t)row * c;
    float v[PER];
    double s = 0.0;
#pragma unroll
    for (int k = 0; k < PER; k++) {
        int i = threadIdx.x + k * blockDim.x;
        v[k] = i < c ? (add ? x[i] + add[(size_t)row * c + i] : x[i]) : 0.0f;
        if (add && i < c) residual[(size_t)row * c + i] = v[k];
        s += v[k];
    }
    double mu = blockSumD(s) / c;
    double q = 0.0;
#pragma unroll
    for (int k = 0; k < PER; k++) {
        double d = threadIdx.x + k * blockDim.x < c ? v[k] - mu : 0.0;
        q += d * d;
    }
    double var = blockSumD(q);
    float m = (float)mu;
    float r = (float)(1.0 / sqrt(var / c + (double)eps));
    float* y = out + (size_t)row * c;
#pragma unroll
    for (int k = 0; k < PER; k++) {
        int i = threadIdx.x + k * blockDim.x;
        if (i < c) y[i] = (v[k] - m) * r * w[i] + b[i];
    }
    if (threadIdx.x == 0) {
        mean[row] = m;
        rstd[row] = r;
    }
}

// Any width: one warp per row, reading the row three times.
__global__ void layerNormForwardKernel(float* out, float* mean, float* rstd, const float* inp, const float* w,
                                       const float* b, int n, int c, float eps) {
    int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    int lane = threadIdx.x & 31;
    if (row >= n) return;
    const float* x = inp + (size_t)row * c;
    double s = 0.0;
    for (int i = lane; i < c; i += 32) s += x[i];
    double mu = warpSumD(s) / c;
    double var = 0.0;
    for (int i = lane; i < c; i += 32) {
        double d = x[i] - mu;
        var += d * d;
    }
    var = warpSumD(var);
    float m = (float)mu;
    float r = (float)(1.0 / sqrt(var / c + (double)eps));
    float* y = out + (size_t)row * c;
    for (int i = lane; i < c; i += 32) y[i] = (x[i] - m) * r * w[i] + b[i];
    if (lane == 0) {
        mean[row] = m;
        rstd[row] = r;
    }
}

// Rows by warps; dweight and dbias summed per block in shared memory, then added to the gradients.
__global__ void layerNormBackwardKernel(float* dinp, float* dw, float* db, const float* dout, const float* inp,
                                        const float* w, const float* mean, const float* rstd, int n, int c) {
    COHORT_DYNAMIC_SHARED(float, sh, 16);
    float* sdw = sh;
    float* sdb = sh + c;
    for (int i = threadIdx.x; i < 2 * c; i += blockDim.x) sh[i] = 0.0f;
    __syncthreads();
    int warps = blockDim.x >> 5;
    int lane = threadIdx.x & 31;
    for (int row = blockIdx.x * warps + (threadIdx.x >> 5); row < n; row += gridDim.x * warps) {
        const float* x = inp + (size_t)row * c;
        const float* g = dout + (size_t)row * c;
        float m = mean[row], s = rstd[row];
        double sumG = 0.0, sumGN = 0.0;
        for (int i = lane; i < c; i += 32) {
            float wg = w[i] * g[i];
            float norm = (x[i] - m) * s;
            sumG += wg;
            sumGN += (double)wg * norm;
        }
        sumG = warpSumD(sumG);
        sumGN = warpSumD(sumGN);
        float meanG = (float)(sumG / c), meanGN = (float)(sumGN / c);
        float* dx = dinp + (size_t)row * c;
        for (int i = lane; i < c; i += 32) {
            float gi = g[i];
            float norm = (x[i] - m) * s;
            dx[i] += (w[i] * gi - meanG - norm * meanGN) * s;
            atomicAdd(&sdw[i], gi * norm);
            atomicAdd(&sdb[i], gi);
        }
    }
    __syncthreads();
    for (int i = threadIdx.x; i < c; i += blockDim.x) {
        atomicAdd(&dw[i], sdw[i]);
        atomicAdd(&db[i], sdb[i]);
    }
}
