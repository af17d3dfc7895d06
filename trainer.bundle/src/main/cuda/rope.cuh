// Rotary position embeddings (Llama family; CUDA C++, included by cohort_cuda.cu) and their
// launchers. Self-contained, so that src/test/cuda/rope_swiglu_emulation.cpp can compile them for
// the CPU against a model of CUDA.
#pragma once
#include <cmath>
#include <cstddef>

#include "reduce.cuh"

// Rotary embedding in transformers' rotate_half convention (Rotary.java): in each query and key
// head of size HS, element i pairs with i + HS/2 and both turn by position * invFreq[i], the angle
// rounded to fp32 (transformers computes inv_freq @ position_ids in fp32) and its cosine and sine
// taken in double and rounded, as Java's Math.cos/sin are. A thread per (row, i) computes them once
// and turns that pair in every rotated head; the value heads are copied (forward, unless in place)
// or their gradient passed through (backward). sign -1 turns by the opposite angle: the backward,
// a rotation's transpose. ACC: out += instead of out =.
template <bool ACC>
__global__ void ropeKernel(float* out, const float* inp, const int* positions, const float* invFreq, int n, int NH,
                           int NKV, int HS, float sign, bool values) {
    int half = HS / 2;
    size_t width = (size_t)(NH + 2 * NKV) * HS;
    int rotated = NH + NKV;
    size_t pairs = (size_t)n * half;
    size_t stride = (size_t)gridDim.x * blockDim.x;
    for (size_t idx = blockIdx.x * (size_t)blockDim.x + threadIdx.x; idx < pairs; idx += stride) {
        int r = (int)(idx / half), i = (int)(idx % half);
        float angle = (float)positions[r] * invFreq[i];
        float c = (float)cos((double)angle), s = sign * (float)sin((double)angle);
        size_t row = (size_t)r * width + i;
        for (int h = 0; h < rotated; h++) {
            size_t a = row + (size_t)h * HS;
            float x1 = inp[a], x2 = inp[a + half];
            float y1 = x1 * c - x2 * s, y2 = x2 * c + x1 * s;
            if (ACC) {
                out[a] += y1;
                out[a + half] += y2;
            } else {
                out[a] = y1;
                out[a + half] = y2;
            }
        }
    }
    if (!values) return;
    size_t kvw = (size_t)NKV * HS, vals = (size_t)n * kvw;
    for (size_t idx = blockIdx.x * (size_t)blockDim.x + threadIdx.x; idx < vals; idx += stride) {
        size_t o = (idx / kvw) * width + (size_t)rotated * HS + idx % kvw;
        if (ACC)
            out[o] += inp[o];
        else
            out[o] = inp[o];
    }
}

// ------------------------------------------------------------------------------------------ launchers

// out (may be qkv) = the rotated query and key heads of qkv (n, (NH + 2 NKV) HS), values copied
inline void ropeForward(cudaStream_t st, int maxBlocks, float* out, const float* qkv, const int* positions,
                        const float* invFreq, int n, int nh, int nkv, int hs) {
    size_t work = (size_t)n * (hs / 2 > nkv * hs ? hs / 2 : nkv * hs);
    COHORT_LAUNCH(ropeKernel<false>, blocksFor(work, maxBlocks), 256, 0, st, out, qkv, positions, invFreq, n, nh,
                  nkv, hs, 1.0f, out != qkv);
}

// dqkv += the inverse rotation of dout (the value heads' gradient passes through)
inline void ropeBackward(cudaStream_t st, int maxBlocks, float* dqkv, const float* dout, const int* positions,
                         const float* invFreq, int n, int nh, int nkv, int hs) {
    size_t work = (size_t)n * (hs / 2 > nkv * hs ? hs / 2 : nkv * hs);
    COHORT_LAUNCH(ropeKernel<true>, blocksFor(work, maxBlocks), 256, 0, st, dqkv, dout, positions, invFreq, n, nh,
                  nkv, hs, -1.0f, true);
}
