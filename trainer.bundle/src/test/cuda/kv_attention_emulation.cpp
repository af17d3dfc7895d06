// Runs the KV-cache kernels of src/main/cuda/kv_attention.cuh (the cached attention step and the
// store of a prefilled sequence) on the CPU, against the model of CUDA in cuda_model.h, with a
// float cache and with a bf16 cache, and compares them with a double-precision attention over the
// same cache contents: head sizes 64 and 128 (the unrolled float4 kernels), 16 (float4) and 15
// (scalar), multi-head and grouped-query (several query heads over a key/value head, whose blocks
// all store the step's new row), and more cached positions (290) than the kernel has threads (256).
// The launches are the header's launchers.
//
// Build and run (trainer.bundle/cuda.linux.x86_64/emulate-kernels.sh does this in the CUDA
// fragment's test phase where g++ exists):
//   g++ -std=c++20 -O2 -pthread -I trainer.bundle/src/main/cuda \
//       trainer.bundle/src/test/cuda/kv_attention_emulation.cpp -o /tmp/kv && /tmp/kv
#include <random>

#include "cuda_model.h"

alignas(16) float sh[64 * 1024];  // the attention step's dynamic shared memory

#include "kv_attention.cuh"

float asFloat(float v) {
    return v;
}
float asFloat(__nv_bfloat16 v) {
    return __bfloat162float(v);
}

// the cache's value of x: x itself, or x rounded to bf16
template <typename KV>
double cached(float x) {
    if constexpr (std::is_same_v<KV, float>) {
        return x;
    } else {
        return __bfloat162float(__float2bfloat16(x));
    }
}

template <typename KV>
bool run(int nh, int nkv, int hs, int maxT, int t, const char* kind) {
    int w = (nh + 2 * nkv) * hs, c = nh * hs;
    std::printf("%d query heads over %d key/value heads of %d, %d cached positions, %s cache\n", nh, nkv, hs, t,
                kind);
    std::mt19937 rng(31 + c + t + nkv);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    const int slots = 5, n = 4;
    std::vector<KV> kc((size_t)slots * nkv * maxT * hs), vc(kc.size());
    std::vector<float> prefill((size_t)t * w);
    for (auto& v : prefill) v = u(rng);
    auto kOf = [&](const std::vector<float>& rows, int r, int kvh, int d) {
        return rows[(size_t)r * w + (size_t)(nh + kvh) * hs + d];
    };
    auto vOf = [&](const std::vector<float>& rows, int r, int kvh, int d) {
        return rows[(size_t)r * w + (size_t)(nh + nkv + kvh) * hs + d];
    };
    // cacheStore: slot s holds the first t - s positions of the prefill (two blocks striding over the grid)
    for (int s = 0; s < slots; s++) cacheStore(nullptr, 2, kc.data(), vc.data(), prefill.data(), s, t - s, nh, nkv, hs, maxT);
    bool ok = true;
    double storeErr = 0;
    for (int s = 0; s < slots; s++)
        for (int p = 0; p < t - s; p++)
            for (int h = 0; h < nkv; h++)
                for (int d = 0; d < hs; d++) {
                    size_t at = (((size_t)s * nkv + h) * maxT + p) * hs + d;
                    storeErr = std::max(storeErr, std::abs(asFloat(kc[at]) - cached<KV>(kOf(prefill, p, h, d))));
                    storeErr = std::max(storeErr, std::abs(asFloat(vc[at]) - cached<KV>(vOf(prefill, p, h, d))));
                }
    ok &= check("cacheStore (abs)", storeErr, 0.0);

    // one step for 4 sequences at positions t-4, t, t-2, t-1 of slots 4, 0, 2, 1
    int slot[n] = {4, 0, 2, 1};
    int pos[n] = {t - 4, t, t - 2, t - 1};
    std::vector<float> qkv((size_t)n * w), out((size_t)n * c, NAN);
    for (auto& v : qkv) v = u(rng);
    // the reference, over the cache as it will be once the step has stored its own k and v
    std::vector<double> ref((size_t)n * c, 0.0);
    double scale = 1.0 / std::sqrt((double)hs);
    for (int i = 0; i < n; i++)
        for (int h = 0; h < nh; h++) {
            int kvh = h / (nh / nkv);
            auto K = [&](int p, int d) {
                return p == pos[i] ? cached<KV>(kOf(qkv, i, kvh, d))
                                   : (double)asFloat(kc[(((size_t)slot[i] * nkv + kvh) * maxT + p) * hs + d]);
            };
            auto V = [&](int p, int d) {
                return p == pos[i] ? cached<KV>(vOf(qkv, i, kvh, d))
                                   : (double)asFloat(vc[(((size_t)slot[i] * nkv + kvh) * maxT + p) * hs + d]);
            };
            std::vector<double> wt(pos[i] + 1);
            double mx = -INFINITY, sum = 0;
            for (int p = 0; p <= pos[i]; p++) {
                double s = 0;
                for (int d = 0; d < hs; d++) s += qkv[(size_t)i * w + h * hs + d] * K(p, d);
                wt[p] = s * scale;
                mx = std::max(mx, wt[p]);
            }
            for (int p = 0; p <= pos[i]; p++) sum += wt[p] = std::exp(wt[p] - mx);
            for (int p = 0; p <= pos[i]; p++)
                for (int d = 0; d < hs; d++) ref[(size_t)i * c + h * hs + d] += wt[p] / sum * V(p, d);
        }
    size_t shared = attentionStepShared(hs, maxT);
    if (shared > sizeof sh) {
        std::printf("  needs %zu bytes of shared memory\n", shared);
        return false;
    }
    std::memset(sh, 0xff, sizeof sh);  // poisoned: blocks run one after another and each writes what it reads
    attentionStep<KV>(nullptr, out.data(), qkv.data(), kc.data(), vc.data(), slot, pos, n, nh, nkv, hs, maxT);
    ok &= check("attention step (abs)", worst(out, ref, false), 1e-5);
    double kvErr = 0;
    for (int i = 0; i < n; i++)
        for (int h = 0; h < nkv; h++)
            for (int d = 0; d < hs; d++) {
                size_t at = (((size_t)slot[i] * nkv + h) * maxT + pos[i]) * hs + d;
                kvErr = std::max(kvErr, std::abs(asFloat(kc[at]) - cached<KV>(kOf(qkv, i, h, d))));
                kvErr = std::max(kvErr, std::abs(asFloat(vc[at]) - cached<KV>(vOf(qkv, i, h, d))));
            }
    ok &= check("the step's k, v stored (abs)", kvErr, 0.0);
    return ok;
}

int main() {
    bool ok = true;
    ok &= run<float>(4, 4, 16, 40, 23, "float");
    ok &= run<float>(4, 4, 15, 40, 23, "float");
    ok &= run<float>(4, 4, 64, 300, 290, "float");
    ok &= run<float>(6, 2, 64, 40, 23, "float");
    ok &= run<float>(4, 1, 128, 40, 23, "float");
    ok &= run<__nv_bfloat16>(4, 4, 16, 40, 23, "bf16");
    ok &= run<__nv_bfloat16>(4, 4, 15, 40, 23, "bf16");
    ok &= run<__nv_bfloat16>(4, 4, 64, 300, 290, "bf16");
    ok &= run<__nv_bfloat16>(6, 2, 64, 40, 23, "bf16");
    ok &= run<__nv_bfloat16>(4, 2, 128, 40, 23, "bf16");
    std::printf(ok ? "KV-cache attention emulation: all passed\n" : "KV-cache attention emulation: FAILED\n");
    return ok ? 0 : 1;
}
