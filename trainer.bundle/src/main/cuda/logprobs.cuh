// Per-token log-probs and entropies of logits rows, and the fused log-softmax backward (CUDA C++, included by cohort_cuda.cu).
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "reduce.cuh"

// One block per row: log p(target) under softmax(logits/T) and the entropy; sums in double.
__global__ void logprobsKernel(float* lp, float* ent, const float* logits, const int* targets, int v, float temp) {
    int r = blockIdx.x;
    int target = targets[r];
    if (target < 0) {
        if (threadIdx.x == 0) {
            lp[r] = 0.0f;
            ent[r] = 0.0f;
        }
        return;
    }
    const float* x = logits + (size_t)r * v;
    float mx = -INFINITY;
    for (int i = threadIdx.x; i < v; i += blockDim.x) mx = fmaxf(mx, x[i]);
    mx = blockMax(mx);
    double sum = 0.0, weighted = 0.0;
    for (int i = threadIdx.x; i < v; i += blockDim.x) {
        float d = (x[i] - mx) / temp;
        float e = expf(d);
        sum += e;
        weighted += (double)e * d;
    }
    sum = blockSumD(sum);
    weighted = blockSumD(weighted);
    if (threadIdx.x == 0) {
        double logSum = log(sum);
        lp[r] = (float)(((double)x[target] - mx) / temp - logSum);
        ent[r] = (float)(logSum - weighted / sum);
    }
}

// dlogits[r,:] = g[r] (onehot(target) - softmax(logits/T)) / T; zero rows where target < 0.
__global__ void logprobsBackwardKernel(float* dlogits, const float* logits, const int* targets, const float* g,
                                       int v, float temp) {
    int r = blockIdx.x;
    int target = targets[r];
    float* dx = dlogits + (size_t)r * v;
    if (target < 0) {
        for (int i = threadIdx.x; i < v; i += blockDim.x) dx[i] = 0.0f;
        return;
    }
    const float* x = logits + (size_t)r * v;
    float mx = -INFINITY;
    for (int i = threadIdx.x; i < v; i += blockDim.x) mx = fmaxf(mx, x[i]);
    mx = blockMax(mx);
    double sum = 0.0;
    for (int i = threadIdx.x; i < v; i += blockDim.x) sum += expf((x[i] - mx) / temp);
    sum = blockSumD(sum);
    double scale = (double)g[r] / temp;
    double norm = scale / sum;
    for (int i = threadIdx.x; i < v; i += blockDim.x) {
        double e = expf((x[i] - mx) / temp);
        dx[i] = (float)(i == target ? scale - e * norm : -e * norm);
    }
}
