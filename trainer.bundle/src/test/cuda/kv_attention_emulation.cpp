// Runs the KV-cache kernels of src/main/cuda/kv_attention.cuh (the cached attention step and the
// store of a prefilled sequence) on the CPU, against the model of CUDA in cuda_model.h, with a
// float cache and with a bf16 cache, and compares them with a double-precision attention over the
// same cache contents: head sizes 64 (the unrolled float4 kernel), 16 (float4) and 15 (scalar),
// and more cached positions (290) than the kernel has threads (256).
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
bool run(int c, int nh, int maxT, int t, const char* kind) {
    int hs = c / nh;
    std::printf("C %d, %d heads of %d, %d cached positions, %s cache\n", c, nh, hs, t, kind);
    std::mt19937 rng(31 + c + t);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    const int slots = 5, n = 4;
    std::vector<KV> kc((size_t)slots * nh * maxT * hs), vc(kc.size());
    std::vector<float> prefill((size_t)t * 3 * c);
    for (auto& v : prefill) v = u(rng);
    // cacheStore: slot s holds the first t - s positions of the prefill
    for (int s = 0; s < slots; s++) {
        int len = t - s;
        // two blocks: the kernel strides over the grid (a thread per element would be a million threads here)
        launch(cacheStoreKernel<unsigned, KV>, Dim3{2, 1, 1}, 256, nullptr, kc.data(),
               vc.data(), (const float*)prefill.data(), s, len, c, nh, maxT);
    }
    bool ok = true;
    double storeErr = 0;
    for (int s = 0; s < slots; s++)
        for (int p = 0; p < t - s; p++)
            for (int h = 0; h < nh; h++)
                for (int d = 0; d < hs; d++) {
                    size_t at = (((size_t)s * nh + h) * maxT + p) * hs + d;
                    storeErr = std::max(storeErr,
                                        std::abs(asFloat(kc[at]) - cached<KV>(prefill[(size_t)p * 3 * c + c + h * hs + d])));
                    storeErr = std::max(storeErr, std::abs(asFloat(vc[at]) -
                                                           cached<KV>(prefill[(size_t)p * 3 * c + 2 * c + h * hs + d])));
                }
    ok &= check("cacheStore (abs)", storeErr, 0.0);

    // one step for 4 sequences at positions t-4, t, t-2, t-1 of slots 4, 0, 2, 1
    int slot[n] = {4, 0, 2, 1};
    int pos[n] = {t - 4, t, t - 2, t - 1};
    std::vector<float> qkv((size_t)n * 3 * c), out((size_t)n * c, NAN);
    for (auto& v : qkv) v = u(rng);
    // the reference, over the cache as it will be once the step has stored its own k and v
    std::vector<double> ref((size_t)n * c, 0.0);
    double scale = 1.0 / std::sqrt((double)hs);
    for (int i = 0; i < n; i++)
        for (int h = 0; h < nh; h++) {
            auto K = [&](int p, int d) {
                return p == pos[i] ? cached<KV>(qkv[(size_t)i * 3 * c + c + h * hs + d])
                                   : (double)asFloat(kc[(((size_t)slot[i] * nh + h) * maxT + p) * hs + d]);
            };
            auto V = [&](int p, int d) {
                return p == pos[i] ? cached<KV>(qkv[(size_t)i * 3 * c + 2 * c + h * hs + d])
                                   : (double)asFloat(vc[(((size_t)slot[i] * nh + h) * maxT + p) * hs + d]);
            };
            std::vector<double> w(pos[i] + 1);
            double mx = -INFINITY, sum = 0;
            for (int p = 0; p <= pos[i]; p++) {
                double s = 0;
                for (int d = 0; d < hs; d++) s += qkv[(size_t)i * 3 * c + h * hs + d] * K(p, d);
                w[p] = s * scale;
                mx = std::max(mx, w[p]);
            }
            for (int p = 0; p <= pos[i]; p++) sum += w[p] = std::exp(w[p] - mx);
            for (int p = 0; p <= pos[i]; p++)
                for (int d = 0; d < hs; d++) ref[(size_t)i * c + h * hs + d] += w[p] / sum * V(p, d);
        }
    // the launch of cohort_cuda.cu's attentionStep
    bool vec4 = hs % 4 == 0 && c % 4 == 0;
    const unsigned threads = 256;
    int lanes = std::min(vec4 ? hs / 4 : hs, (int)threads);
    size_t shared = ((size_t)hs + (((size_t)maxT + 3) & ~(size_t)3) + (size_t)(threads / lanes) * hs) * sizeof(float);
    if (shared > sizeof sh) {
        std::printf("  needs %zu bytes of shared memory\n", shared);
        return false;
    }
    auto kernel = !vec4 ? attentionStepKernel<1, 0, KV> : hs == 64 ? attentionStepKernel<4, 64, KV>
                                                                   : attentionStepKernel<4, 0, KV>;
    launch(kernel, Dim3{(unsigned)n, (unsigned)nh, 1}, threads, [] { std::memset(sh, 0xff, sizeof sh); }, out.data(),
           (const float*)qkv.data(), kc.data(), vc.data(), (const int*)slot, (const int*)pos, c, nh, maxT,
           (float)scale);
    ok &= check("attention step (abs)", worst(out, ref, false), 1e-5);
    double kvErr = 0;
    for (int i = 0; i < n; i++)
        for (int h = 0; h < nh; h++)
            for (int d = 0; d < hs; d++) {
                size_t at = (((size_t)slot[i] * nh + h) * maxT + pos[i]) * hs + d;
                kvErr = std::max(kvErr, std::abs(asFloat(kc[at]) - cached<KV>(qkv[(size_t)i * 3 * c + c + h * hs + d])));
                kvErr = std::max(kvErr, std::abs(asFloat(vc[at]) - cached<KV>(qkv[(size_t)i * 3 * c + 2 * c + h * hs + d])));
            }
    ok &= check("the step's k, v stored (abs)", kvErr, 0.0);
    return ok;
}

int main() {
    bool ok = true;
    ok &= run<float>(64, 4, 40, 23, "float");
    ok &= run<float>(60, 4, 40, 23, "float");
    ok &= run<float>(256, 4, 300, 290, "float");
    ok &= run<__nv_bfloat16>(64, 4, 40, 23, "bf16");
    ok &= run<__nv_bfloat16>(60, 4, 40, 23, "bf16");
    ok &= run<__nv_bfloat16>(256, 4, 300, 290, "bf16");
    std::printf(ok ? "KV-cache attention emulation: all passed\n" : "KV-cache attention emulation: FAILED\n");
    return ok ? 0 : 1;
}
