// RMSNorm kernels and their launchers (Llama family; CUDA C++, included by cohort_cuda.cu).
// Self-contained, so that src/test/cuda/rms_norm_emulation.cpp can compile them for the CPU
// against a model of CUDA.
//
// out = x / sqrt(mean(x^2) + eps) * weight, as transformers' LlamaRMSNorm, with the sum of squares
// in double as the Java backend (RmsNorm.java) sums it. One set of kernels serves the block norms
// (a row per position) and Qwen3's q/k norms (the query and key heads of each qkv row, with a
// weight each; the value heads copied): RmsRows says which rows a call normalises, as
// RmsNorm.Rows does on the Java side.
#pragma once
#include <cmath>
#include <cstddef>

#include "reduce.cuh"

// `positions` positions of `stride` floats, each holding `heads` normalised rows of `width` (the
// first `qHeads` with weight w0, the rest with w1) and then `copy` floats passed through.
struct RmsRows {
    int positions, stride, heads, qHeads, width, copy;
};

inline RmsRows rmsPlain(int n, int c) {
    return RmsRows{n, c, 1, 1, c, 0};
}

inline RmsRows rmsHeads(int n, int nh, int nkv, int hs) {
    return RmsRows{n, (nh + 2 * nkv) * hs, nh + nkv, nh, hs, nkv * hs};
}

// Plain rows (one per position), a block per row with the row in registers (PER values per
// thread): a decoding step normalises a few dozen rows, where spreading each row over a block
// shortens the chain of dependent steps. With `add` the row is inp + add, written to `residual`
// (which may be inp) first: residualRmsNormForward.
template <int PER>
__global__ void rmsNormRowKernel(float* out, float* rstd, const float* inp, const float* w, int c, float eps,
                                 const float* add, float* residual) {
    int row = blockIdx.x;
    const float* x = inp + (size_t)row * c;
    float v[PER];
    double s = 0.0;
#pragma unroll
    for (int k = 0; k < PER; k++) {
        int i = threadIdx.x + k * blockDim.x;
        v[k] = i < c ? (add ? x[i] + add[(size_t)row * c + i] : x[i]) : 0.0f;
        if (add && i < c) residual[(size_t)row * c + i] = v[k];
        s += (double)v[k] * v[k];
    }
    double ss = blockSumD(s);
    float r = (float)(1.0 / sqrt(ss / c + (double)eps));
    float* y = out + (size_t)row * c;
#pragma unroll
    for (int k = 0; k < PER; k++) {
        int i = threadIdx.x + k * blockDim.x;
        if (i < c) y[i] = w[i] * (v[k] * r);
    }
    if (threadIdx.x == 0) rstd[row] = r;
}

// Any rows: a warp per unit, where a position's units are its normalised rows and, when `copies`,
// one more that copies the position's pass-through floats.
__global__ void rmsNormWarpKernel(float* out, float* rstd, const float* inp, const float* w0, const float* w1,
                                  RmsRows r, float eps, bool copies) {
    int units = r.heads + (copies ? 1 : 0);
    long long u = (long long)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    int lane = threadIdx.x & 31;
    if (u >= (long long)r.positions * units) return;
    int p = (int)(u / units), h = (int)(u % units);
    size_t base = (size_t)p * r.stride + (size_t)h * r.width;
    if (h == r.heads) {
        for (int i = lane; i < r.copy; i += 32) out[base + i] = inp[base + i];
        return;
    }
    const float* x = inp + base;
    const float* w = h < r.qHeads ? w0 : w1;
    double s = 0.0;
    for (int i = lane; i < r.width; i += 32) s += (double)x[i] * x[i];
    double ss = warpSumD(s);
    float rs = (float)(1.0 / sqrt(ss / r.width + (double)eps));
    for (int i = lane; i < r.width; i += 32) out[base + i] = w[i] * (x[i] * rs);
    if (lane == 0) rstd[(size_t)p * r.heads + h] = rs;
}

__global__ void rmsAddKernel(float* out, const float* a, const float* b, size_t n) {
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
        out[i] = a[i] + b[i];
}

// The input gradient, a warp per unit as in the forward (the pass-through unit adds dout):
// with n = x * rstd and g = w * dout, dx += rstd * (g - n * mean(g * n)), the mean in double.
__global__ void rmsNormBackwardKernel(float* dinp, const float* dout, const float* inp, const float* w0,
                                      const float* w1, const float* rstd, RmsRows r) {
    int units = r.heads + (r.copy > 0 ? 1 : 0);
    long long u = (long long)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    int lane = threadIdx.x & 31;
    if (u >= (long long)r.positions * units) return;
    int p = (int)(u / units), h = (int)(u % units);
    size_t base = (size_t)p * r.stride + (size_t)h * r.width;
    if (h == r.heads) {
        for (int i = lane; i < r.copy; i += 32) dinp[base + i] += dout[base + i];
        return;
    }
    const float* w = h < r.qHeads ? w0 : w1;
    float s = rstd[(size_t)p * r.heads + h];
    double dot = 0.0;
    for (int i = lane; i < r.width; i += 32) dot += (double)w[i] * dout[base + i] * (inp[base + i] * s);
    float mean = (float)(warpSumD(dot) / r.width);
    for (int i = lane; i < r.width; i += 32) {
        float nv = inp[base + i] * s;
        float g = w[i] * dout[base + i];
        dinp[base + i] += s * (g - nv * mean);
    }
}

// The weight gradient without atomics, in two passes that each sum in a fixed order (the result
// does not depend on scheduling): partial[chunk][i] = sum over the chunk's rows of dout * x * rstd
// (in double, rows ascending), for the rows with heads [h0, h1); then dw[i] += the chunks' sum.
__global__ void rmsNormWeightPartialKernel(double* partial, const float* dout, const float* inp, const float* rstd,
                                           RmsRows r, int h0, int h1, int rowsPerChunk) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= r.width) return;
    int nh = h1 - h0;
    long long total = (long long)r.positions * nh;
    long long from = (long long)blockIdx.y * rowsPerChunk;
    long long to = from + rowsPerChunk < total ? from + rowsPerChunk : total;
    double acc = 0.0;
    for (long long k = from; k < to; k++) {
        int p = (int)(k / nh), h = h0 + (int)(k % nh);
        size_t off = (size_t)p * r.stride + (size_t)h * r.width + i;
        acc += dout[off] * (inp[off] * rstd[(size_t)p * r.heads + h]);
    }
    partial[(size_t)blockIdx.y * r.width + i] = acc;
}

__global__ void rmsNormWeightSumKernel(float* dw, const double* partial, int chunks, int width) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= width) return;
    double acc = 0.0;
    for (int k = 0; k < chunks; k++) acc += partial[(size_t)k * width + i];
    dw[i] += (float)acc;
}

// ------------------------------------------------------------------------------------------ launchers

constexpr int RMS_MAX_CHUNKS = 256;
constexpr int RMS_WARPS = 8;  // warps per block of the warp-per-row kernels

// rows per chunk of the weight gradient: at least 32, at most RMS_MAX_CHUNKS chunks
inline int rmsRowsPerChunk(long long rows) {
    long long per = (rows + RMS_MAX_CHUNKS - 1) / RMS_MAX_CHUNKS;
    return (int)(per < 32 ? 32 : per);
}

// doubles of scratch that rmsNormBackward needs
inline size_t rmsNormBackwardScratch(RmsRows r) {
    return (size_t)RMS_MAX_CHUNKS * r.width;
}

// Plain rows up to this width take the block-per-row kernel.
constexpr int RMS_ROW_MAX = 16 * 256;

// out (may be inp) and rstd from inp; with `add`, residual = inp + add first (plain rows only).
inline void rmsNormForward(cudaStream_t st, float* out, float* rstd, const float* inp, const float* w0,
                           const float* w1, RmsRows r, float eps, const float* add, float* residual) {
    bool plain = r.heads == 1 && r.copy == 0 && r.stride == r.width;
    if (plain && r.width <= RMS_ROW_MAX) {
        int threads = r.width <= 1024 ? 128 : 256;
        int per = (r.width + threads - 1) / threads;
        auto k = per <= 1 ? rmsNormRowKernel<1> : per <= 2 ? rmsNormRowKernel<2> : per <= 4 ? rmsNormRowKernel<4>
               : per <= 8 ? rmsNormRowKernel<8> : rmsNormRowKernel<16>;
        COHORT_LAUNCH(k, r.positions, threads, 0, st, out, rstd, inp, w0, r.width, eps, add, residual);
        return;
    }
    if (add) {
        size_t n = (size_t)r.positions * r.stride;
        size_t blocks = (n + 255) / 256;
        COHORT_LAUNCH(rmsAddKernel, (unsigned)(blocks < 4096 ? blocks : 4096), 256, 0, st, residual, inp, add, n);
        inp = residual;
    }
    bool copies = r.copy > 0 && out != inp;
    long long units = (long long)r.positions * (r.heads + (copies ? 1 : 0));
    COHORT_LAUNCH(rmsNormWarpKernel, (unsigned)((units + RMS_WARPS - 1) / RMS_WARPS), 32 * RMS_WARPS, 0, st, out,
                  rstd, inp, w0, w1, r, eps, copies);
}

// Accumulates dinp, dw0 (heads below qHeads) and dw1 (the others); scratch holds
// rmsNormBackwardScratch(r) doubles.
inline void rmsNormBackward(cudaStream_t st, float* dinp, float* dw0, float* dw1, const float* dout,
                            const float* inp, const float* w0, const float* w1, const float* rstd, RmsRows r,
                            double* scratch) {
    long long units = (long long)r.positions * (r.heads + (r.copy > 0 ? 1 : 0));
    COHORT_LAUNCH(rmsNormBackwardKernel, (unsigned)((units + RMS_WARPS - 1) / RMS_WARPS), 32 * RMS_WARPS, 0, st,
                  dinp, dout, inp, w0, w1, rstd, r);
    for (int set = 0; set < 2; set++) {
        int h0 = set == 0 ? 0 : r.qHeads, h1 = set == 0 ? r.qHeads : r.heads;
        if (h1 <= h0) continue;
        long long rows = (long long)r.positions * (h1 - h0);
        int per = rmsRowsPerChunk(rows);
        int chunks = (int)((rows + per - 1) / per);
        unsigned cols = (unsigned)((r.width + 127) / 128);
        COHORT_LAUNCH(rmsNormWeightPartialKernel, dim3(cols, (unsigned)chunks), 128, 0, st, scratch, dout, inp, rstd,
                      r, h0, h1, per);
        COHORT_LAUNCH(rmsNormWeightSumKernel, cols, 128, 0, st, set == 0 ? dw0 : dw1, (const double*)scratch, chunks,
                      r.width);
    }
}
