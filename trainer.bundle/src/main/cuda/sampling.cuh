// The sampler: the Java sampler's policy draw for draw (SplitMix64, temperature, top-k,
// top-p, min-p, greedy) (CUDA C++, included by cohort_cuda.cu).
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "reduce.cuh"

constexpr uint64_t GOLDEN_GAMMA = 0x9E3779B97F4A7C15ull;

__device__ uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// The Java sampler's sort key: ascending key = ascending logit, then descending id.
__device__ long long sortKey(float x, int i) {
    int bits = __float_as_int(x);
    int ordered = bits ^ ((bits >> 31) & 0x7fffffff);
    return (long long)(((unsigned long long)(long long)ordered) << 32) | (long long)(0x7fffffff - i);
}

__device__ int keyId(long long key) {
    return 0x7fffffff - (int)(key & 0xffffffffll);
}

// Ascending bitonic sort of keys[0, p) (p a power of two) by one block.
__device__ void bitonicSort(long long* keys, int p) {
    for (int k = 2; k <= p; k <<= 1) {
        for (int j = k >> 1; j > 0; j >>= 1) {
            for (int i = threadIdx.x; i < p; i += blockDim.x) {
                int ixj = i ^ j;
                if (ixj > i) {
                    long long a = keys[i], b = keys[ixj];
                    bool up = (i & k) == 0;
                    if ((a > b) == up) {
                        keys[i] = b;
                        keys[ixj] = a;
                    }
                }
            }
            __syncthreads();
        }
    }
}

// One block per row, the same policy as the Java sampler (Sampler.java): temperature, top-k,
// top-p over the renormalised top-k set, min-p relative to the top token; one SplitMix64 step per
// sampled row; greedy (lowest id on ties) at temperature 0.
__global__ void __launch_bounds__(1024) sampleKernel(const float* logits, int v, float temp, int topK, float topP,
                                                     float minP, uint64_t* rng, int* outTok, float* outLp,
                                                     float* outLpT1, double* expsAll, long long* keysAll,
                                                     int keyCap) {
    __shared__ double prefix[64 + 1024];
    __shared__ int sToken;
    __shared__ int sCount;
    __shared__ double sU;
    int r = blockIdx.x;
    const float* x = logits + (size_t)r * v;
    double* e = expsAll + (size_t)r * v;
    long long* keys = keysAll + (size_t)r * keyCap;

    // max and argmax (lowest id among equal maxima)
    float mx = -INFINITY;
    int am = INT_MAX;
    for (int i = threadIdx.x; i < v; i += blockDim.x) {
        float xi = x[i];
        if (xi > mx || (xi == mx && i < am)) {
            mx = xi;
            am = i;
        }
    }
    for (int o = 16; o > 0; o >>= 1) {
        float om = __shfl_xor_sync(0xffffffffu, mx, o);
        int oa = __shfl_xor_sync(0xffffffffu, am, o);
        if (om > mx || (om == mx && oa < am)) {
            mx = om;
            am = oa;
        }
    }
    __shared__ float wm[32];
    __shared__ int wa[32];
    int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = blockDim.x >> 5;
    if (lane == 0) {
        wm[w] = mx;
        wa[w] = am;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        float bm = wm[0];
        int ba = wa[0];
        for (int k = 1; k < nw; k++)
            if (wm[k] > bm || (wm[k] == bm && wa[k] < ba)) {
                bm = wm[k];
                ba = wa[k];
            }
        wm[0] = bm;
        wa[0] = ba;
    }
    __syncthreads();
    mx = wm[0];
    int argmax = wa[0];
    double dmx = mx;

    int token;
    double logSum = 0.0;
    if (temp == 0.0f) {
        token = argmax;
    } else {
        double s = 0.0;
        for (int i = threadIdx.x; i < v; i += blockDim.x) {
            double ei = exp(((double)x[i] - dmx) / temp);
            e[i] = ei;
            s += ei;
        }
        double sum = blockSumD(s);  // synchronizes: e[] is visible to the block
        logSum = log(sum);
        if (threadIdx.x == 0) {
            uint64_t st = rng[r] + GOLDEN_GAMMA;
            rng[r] = st;
            sU = (double)(mix64(st) >> 11) * 0x1.0p-53;
            sToken = -1;
            sCount = 0;
        }
        __syncthreads();
        double u = sU;
        if (topK == 0 && topP >= 1.0f) {
            // Keep e >= minP; walk ids in order: each thread owns a contiguous chunk.
            int chunk = (v + blockDim.x - 1) / blockDim.x;
            int lo = min(v, (int)threadIdx.x * chunk), hi = min(v, lo + chunk);
            double local = 0.0;
            int lastKept = -1;
            for (int i = lo; i < hi; i++)
                if (e[i] >= minP) {
                    local += e[i];
                    lastKept = i;
                }
            // exclusive prefix of the chunk sums: scans within warps, then over the warp totals
            double incl = local;
            for (int o = 1; o < 32; o <<= 1) {
                double other = __shfl_up_sync(0xffffffffu, incl, o);
                if (lane >= o) incl += other;
            }
            if (lane == 31) prefix[w] = incl;
            __syncthreads();
            if (w == 0) {
                double t = lane < nw ? prefix[lane] : 0.0;
                double ti = t;
                for (int o = 1; o < 32; o <<= 1) {
                    double other = __shfl_up_sync(0xffffffffu, ti, o);
                    if (lane >= o) ti += other;
                }
                if (lane < nw) prefix[32 + lane] = ti - t;  // warp offsets
                if (lane == 31) sU = u * ti;                 // the target mass
            }
            __syncthreads();
            prefix[64 + threadIdx.x] = prefix[32 + w] + incl - local;
            __syncthreads();
            double target = sU;
            if (threadIdx.x == 0) {
                sToken = INT_MAX;
                sCount = -1;  // the last kept id
            }
            __syncthreads();
            double acc = prefix[64 + threadIdx.x];
            if (local > 0.0 && target >= acc && target < acc + local) {
                for (int i = lo; i < hi; i++)
                    if (e[i] >= minP) {
                        acc += e[i];
                        if (target < acc) {
                            atomicMin(&sToken, i);
                            break;
                        }
                    }
            }
            if (lastKept >= 0) atomicMax(&sCount, lastKept);
            __syncthreads();
            token = sToken != INT_MAX ? sToken : (sCount >= 0 ? sCount : argmax);
        } else {
            const double thresholds[3] = {1e-3, 1e-7, 0.0};
            double threshold = 0.0;
            for (int ti = 0; ti < 3; ti++) {
                threshold = thresholds[ti];
                int cnt = 0;
                double mass = 0.0;
                for (int i = threadIdx.x; i < v; i += blockDim.x)
                    if (e[i] >= threshold) {
                        cnt++;
                        mass += e[i];
                    }
                cnt = blockSumI(cnt);
                mass = blockSumD(mass);
                bool covers = topK > 0 ? cnt >= topK : mass >= (double)topP * sum;
                if (covers || threshold == 0.0) break;
            }
            for (int i = threadIdx.x; i < v; i += blockDim.x)
                if (e[i] >= threshold) {
                    int at = atomicAdd(&sCount, 1);
                    keys[at] = sortKey(x[i], i);
                }
            __syncthreads();
            int count = sCount;
            int p = 1;
            while (p < count) p <<= 1;
            for (int i = count + threadIdx.x; i < p; i += blockDim.x) keys[i] = LLONG_MIN;
            __syncthreads();
            bitonicSort(keys, p);
            if (threadIdx.x == 0) {
                // keys[p - 1 - j] is the j-th largest; the Java code's key[count - 1 - j].
                int kept = topK > 0 ? min(count, topK) : count;
                double total = 0.0;
                if (topK > 0) {
                    for (int j = 0; j < kept; j++) total += e[keyId(keys[p - 1 - j])];
                } else {
                    total = sum;
                }
                if (topP < 1.0f) {
                    double acc = 0.0;
                    for (int j = 0; j < kept; j++) {
                        acc += e[keyId(keys[p - 1 - j])];
                        if (acc >= (double)topP * total) {
                            kept = j + 1;
                            break;
                        }
                    }
                }
                while (kept > 1 && e[keyId(keys[p - kept])] < minP) kept--;
                double keptMass = 0.0;
                for (int j = 0; j < kept; j++) keptMass += e[keyId(keys[p - 1 - j])];
                double target = u * keptMass;
                double acc = 0.0;
                int chosen = keyId(keys[p - kept]);
                for (int j = 0; j < kept; j++) {
                    int id = keyId(keys[p - 1 - j]);
                    acc += e[id];
                    if (target < acc) {
                        chosen = id;
                        break;
                    }
                }
                sToken = chosen;
            }
            __syncthreads();
            token = sToken;
        }
    }
    // log-prob at temperature 1 (the full sum, unless T is 1 and it is known)
    double logSumT1 = 0.0;
    bool needT1 = temp != 1.0f;
    if (needT1) {
        double s1 = 0.0;
        for (int i = threadIdx.x; i < v; i += blockDim.x) s1 += exp((double)x[i] - dmx);
        logSumT1 = log(blockSumD(s1));
    }
    if (threadIdx.x == 0) {
        outTok[r] = token;
        float lp = temp == 0.0f ? 0.0f : (float)(((double)x[token] - dmx) / temp - logSum);
        outLp[r] = lp;
        outLpT1[r] = needT1 ? (float)((double)x[token] - dmx - logSumT1) : lp;
    }
}
