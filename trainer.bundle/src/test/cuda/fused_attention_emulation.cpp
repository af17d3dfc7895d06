// Runs the fused attention kernels of src/main/cuda/fused_attention.cuh on the CPU, against the
// model of CUDA in cuda_model.h, and compares them with a plain double-precision attention: the
// kernels' indexing, tiling, masking, online softmax, synchronisation and the formulas of the
// backward, which are the same code that nvcc compiles. Two passes: without TF32 rounding (the
// kernels must match to fp32 rounding) and with it; head sizes 64 and 128, multi-head and
// grouped-query, through the header's launchers.
//
// Build and run (trainer.bundle/cuda.linux.x86_64/emulate-kernels.sh does this in the CUDA
// fragment's test phase where g++ exists):
//   g++ -std=c++20 -O2 -pthread -I trainer.bundle/src/main/cuda \
//       trainer.bundle/src/test/cuda/fused_attention_emulation.cpp -o /tmp/fa && /tmp/fa
#include <random>

#include "cuda_model.h"

namespace fa {
alignas(128) float sm[176 * 1024 / 4];  // the block's dynamic shared memory (blocks run one at a time)
}

#include "fused_attention.cuh"

// ---------------------------------------------------------------------------- the reference

// Causal grouped-query attention in double: out (B, T, NH D), lse, and dqkv += the gradients,
// from qkv (B, T, (NH + 2 NKV) D) and dout; query head h reads key/value head h / (NH / NKV).
void reference(int Bn, int T, int NH, int NKV, int D, const std::vector<float>& qkv, const std::vector<float>& dout,
               std::vector<double>& out, std::vector<double>& lse, std::vector<double>& dqkv) {
    const int C = NH * D, W = (NH + 2 * NKV) * D;
    double scale = 1.0 / std::sqrt((double)D);
    out.assign((size_t)Bn * T * C, 0.0);
    lse.assign((size_t)Bn * NH * T, 0.0);
    auto at = [&](int b, int t, int head, int d) { return ((size_t)b * T + t) * W + (size_t)head * D + d; };
    for (int b = 0; b < Bn; b++)
        for (int h = 0; h < NH; h++) {
            int kh = NH + h / (NH / NKV), vh = kh + NKV;
            for (int i = 0; i < T; i++) {
                std::vector<double> p(i + 1);
                double mx = -INFINITY;
                for (int j = 0; j <= i; j++) {
                    double s = 0;
                    for (int d = 0; d < D; d++) s += (double)qkv[at(b, i, h, d)] * qkv[at(b, j, kh, d)];
                    p[j] = s * scale;
                    mx = std::max(mx, p[j]);
                }
                double sum = 0;
                for (int j = 0; j <= i; j++) sum += p[j] = std::exp(p[j] - mx);
                lse[((size_t)b * NH + h) * T + i] = mx + std::log(sum);
                std::vector<double> dp(i + 1);
                double dsum = 0;
                const float* g = &dout[((size_t)b * T + i) * C + (size_t)h * D];
                for (int j = 0; j <= i; j++) {
                    p[j] /= sum;
                    double gv = 0;
                    for (int d = 0; d < D; d++) {
                        out[((size_t)b * T + i) * C + h * D + d] += p[j] * qkv[at(b, j, vh, d)];
                        gv += (double)g[d] * qkv[at(b, j, vh, d)];
                    }
                    dp[j] = gv;
                    dsum += p[j] * gv;
                }
                for (int j = 0; j <= i; j++) {
                    double ds = p[j] * (dp[j] - dsum) * scale;
                    for (int d = 0; d < D; d++) {
                        dqkv[at(b, i, h, d)] += ds * qkv[at(b, j, kh, d)];
                        dqkv[at(b, j, kh, d)] += ds * qkv[at(b, i, h, d)];
                        dqkv[at(b, j, vh, d)] += p[j] * g[d];
                    }
                }
            }
        }
}

template <int D>
bool run(int Bn, int T, int NH, int NKV, bool exact) {
    exactTf32 = exact;
    const int C = NH * D, W = (NH + 2 * NKV) * D;
    std::printf("B %d, T %d, %d query heads over %d key/value heads of %d, %s\n", Bn, T, NH, NKV, D,
                exact ? "no TF32 rounding" : "TF32");
    std::mt19937 rng(1234 + T + D + NKV);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::vector<float> qkv((size_t)Bn * T * W), dout((size_t)Bn * T * C), dqkv((size_t)Bn * T * W);
    for (auto& x : qkv) x = u(rng);
    for (auto& x : dout) x = u(rng);
    for (auto& x : dqkv) x = u(rng);  // the backward adds to what is there
    const std::vector<float> before = dqkv;
    std::vector<double> refOut, refLse, refDqkv(dqkv.begin(), dqkv.end());
    reference(Bn, T, NH, NKV, D, qkv, dout, refOut, refLse, refDqkv);

    size_t rows = (size_t)Bn * NH * T;
    std::vector<float> out((size_t)Bn * T * C, NAN), att(rows * (1 + D), NAN), delta(rows, NAN);
    if (fa::Dims<D>::BACKWARD_SHARED > sizeof fa::sm) {
        std::printf("  the kernels need %zu bytes of shared memory, the model has %zu\n", fa::Dims<D>::BACKWARD_SHARED,
                    sizeof fa::sm);
        return false;
    }
    beforeEachBlock = [] { std::memset(fa::sm, 0xff, sizeof fa::sm); };  // NaN before each block
    fa::forward<D>(nullptr, out.data(), att.data(), qkv.data(), Bn, T, NH, NKV);
    std::vector<float> lse(att.begin(), att.begin() + rows);
    bool ok = true;
    ok &= check("forward output (abs)", worst(out, refOut, false), exact ? 1e-5 : 5e-3);
    ok &= check("log-sum-exp (abs)", worst(lse, refLse, false), exact ? 1e-5 : 5e-3);
    // the output's copy in (B, NH, T, D) order
    double copyErr = 0;
    for (int b = 0; b < Bn; b++)
        for (int h = 0; h < NH; h++)
            for (int t = 0; t < T; t++)
                for (int d = 0; d < D; d++)
                    copyErr = std::max(copyErr, (double)std::abs(att[rows + (((size_t)b * NH + h) * T + t) * D + d] -
                                                                 out[((size_t)b * T + t) * C + h * D + d]));
    ok &= check("output copy", copyErr, 0.0);

    fa::backward<D>(nullptr, dqkv.data(), delta.data(), dout.data(), qkv.data(), att.data(), Bn, T, NH, NKV);
    beforeEachBlock = nullptr;
    // the gradients alone (what the backward added), relative to their largest entry
    std::vector<double> grad(refDqkv.size());
    std::vector<float> got(dqkv.size());
    for (size_t i = 0; i < grad.size(); i++) {
        grad[i] = refDqkv[i] - before[i];
        got[i] = dqkv[i] - before[i];
    }
    ok &= check("dqkv (relative to largest)", worst(got, grad, true), exact ? 1e-4 : 1e-2);
    return ok;
}

int main() {
    bool ok = true;
    for (bool exact : {true, false}) {
        ok &= run<64>(2, 130, 2, 2, exact);  // three query tiles, the last partial
        ok &= run<64>(1, 37, 2, 2, exact);   // one partial tile
        ok &= run<64>(1, 128, 1, 1, exact);  // two whole tiles
        ok &= run<64>(1, 100, 6, 2, exact);  // grouped-query: 3 query heads per key/value head
        ok &= run<128>(1, 130, 2, 1, exact);  // head size 128, grouped-query, a partial last tile
        ok &= run<128>(1, 64, 2, 2, exact);   // head size 128, multi-head, one whole tile
    }
    std::printf(ok ? "fused attention emulation: all passed\n" : "fused attention emulation: FAILED\n");
    return ok ? 0 : 1;
}
