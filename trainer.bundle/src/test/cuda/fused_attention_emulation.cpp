// Runs the fused attention kernels of src/main/cuda/fused_attention.cuh on the CPU, against the
// model of CUDA in cuda_model.h, and compares them with a plain double-precision attention: the
// kernels' indexing, tiling, masking, online softmax, synchronisation and the formulas of the
// backward, which are the same code that nvcc compiles. Two passes: without TF32 rounding (the
// kernels must match to fp32 rounding) and with it.
//
// Build and run (trainer.bundle/cuda.linux.x86_64/emulate-kernels.sh does this in the CUDA
// fragment's test phase where g++ exists):
//   g++ -std=c++20 -O2 -pthread -I trainer.bundle/src/main/cuda \
//       trainer.bundle/src/test/cuda/fused_attention_emulation.cpp -o /tmp/fa && /tmp/fa
#include <random>

#include "cuda_model.h"

namespace fa {
alignas(128) float sm[160 * 1024 / 4];  // the block's dynamic shared memory (blocks run one at a time)
}

#include "fused_attention.cuh"

// a launch with `sharedBytes` of dynamic shared memory, poisoned with NaN before each block
template <class... P, class... A>
void launchShared(void (*kernel)(P...), Dim3 grid, unsigned threads, size_t sharedBytes, A... args) {
    if (sharedBytes > sizeof fa::sm) {
        std::fprintf(stderr, "kernel needs %zu bytes of shared memory, the model has %zu\n", sharedBytes,
                     sizeof fa::sm);
        std::exit(2);
    }
    launch(kernel, grid, threads, [] { std::memset(fa::sm, 0xff, sizeof fa::sm); }, args...);
}

// ---------------------------------------------------------------------------- the reference

// Causal attention in double: out (B, T, C), dqkv += gradients, from qkv (B, T, 3C) and dout.
void reference(int Bn, int T, int NH, const std::vector<float>& qkv, const std::vector<float>& dout,
               std::vector<double>& out, std::vector<double>& lse, std::vector<double>& dqkv) {
    const int D = 64, C = NH * D;
    double scale = 1.0 / std::sqrt((double)D);
    out.assign((size_t)Bn * T * C, 0.0);
    lse.assign((size_t)Bn * NH * T, 0.0);
    auto Q = [&](int b, int t, int h, int d) { return (double)qkv[((size_t)b * T + t) * 3 * C + h * D + d]; };
    auto K = [&](int b, int t, int h, int d) { return (double)qkv[((size_t)b * T + t) * 3 * C + C + h * D + d]; };
    auto V = [&](int b, int t, int h, int d) { return (double)qkv[((size_t)b * T + t) * 3 * C + 2 * C + h * D + d]; };
    for (int b = 0; b < Bn; b++)
        for (int h = 0; h < NH; h++)
            for (int i = 0; i < T; i++) {
                std::vector<double> p(i + 1);
                double mx = -INFINITY;
                for (int j = 0; j <= i; j++) {
                    double s = 0;
                    for (int d = 0; d < D; d++) s += Q(b, i, h, d) * K(b, j, h, d);
                    p[j] = s * scale;
                    mx = std::max(mx, p[j]);
                }
                double sum = 0;
                for (int j = 0; j <= i; j++) sum += p[j] = std::exp(p[j] - mx);
                lse[((size_t)b * NH + h) * T + i] = mx + std::log(sum);
                std::vector<double> dp(i + 1);
                double dsum = 0;
                for (int j = 0; j <= i; j++) {
                    p[j] /= sum;
                    double g = 0;
                    for (int d = 0; d < D; d++) {
                        out[((size_t)b * T + i) * C + h * D + d] += p[j] * V(b, j, h, d);
                        g += (double)dout[((size_t)b * T + i) * C + h * D + d] * V(b, j, h, d);
                    }
                    dp[j] = g;
                    dsum += p[j] * g;
                }
                for (int j = 0; j <= i; j++) {
                    double ds = p[j] * (dp[j] - dsum) * scale;
                    for (int d = 0; d < D; d++) {
                        dqkv[((size_t)b * T + i) * 3 * C + h * D + d] += ds * K(b, j, h, d);
                        dqkv[((size_t)b * T + j) * 3 * C + C + h * D + d] += ds * Q(b, i, h, d);
                        dqkv[((size_t)b * T + j) * 3 * C + 2 * C + h * D + d] +=
                            p[j] * dout[((size_t)b * T + i) * C + h * D + d];
                    }
                }
            }
}

bool run(int Bn, int T, int NH, bool exact) {
    exactTf32 = exact;
    const int D = 64, C = NH * D;
    std::printf("B %d, T %d, %d heads of 64, %s\n", Bn, T, NH, exact ? "no TF32 rounding" : "TF32");
    std::mt19937 rng(1234 + T);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::vector<float> qkv((size_t)Bn * T * 3 * C), dout((size_t)Bn * T * C), dqkv((size_t)Bn * T * 3 * C);
    for (auto& x : qkv) x = u(rng);
    for (auto& x : dout) x = u(rng);
    for (auto& x : dqkv) x = u(rng);  // the backward adds to what is there
    const std::vector<float> before = dqkv;
    std::vector<double> refOut, refLse, refDqkv(dqkv.begin(), dqkv.end());
    reference(Bn, T, NH, qkv, dout, refOut, refLse, refDqkv);

    size_t rows = (size_t)Bn * NH * T;
    std::vector<float> out((size_t)Bn * T * C, NAN), att(rows * (1 + D), NAN), delta(rows, NAN);
    float scale = (float)(1.0 / std::sqrt((double)D));
    Dim3 grid{(unsigned)((T + fa::B - 1) / fa::B), (unsigned)NH, (unsigned)Bn};
    launchShared(fa::forwardKernel, grid, 128, fa::FORWARD_SHARED, out.data(), att.data(), att.data() + rows,
           (const float*)qkv.data(), T, NH, scale);
    std::vector<float> lse(att.begin(), att.begin() + rows);
    bool ok = true;
    double outBound = exact ? 1e-5 : 5e-3;
    ok &= check("forward output (abs)", worst(out, refOut, false), outBound);
    ok &= check("log-sum-exp (abs)", worst(lse, refLse, false), exact ? 1e-5 : 5e-3);
    // the output's copy in (B, NH, T, 64) order
    double copyErr = 0;
    for (int b = 0; b < Bn; b++)
        for (int h = 0; h < NH; h++)
            for (int t = 0; t < T; t++)
                for (int d = 0; d < D; d++)
                    copyErr = std::max(copyErr, (double)std::abs(att[rows + (((size_t)b * NH + h) * T + t) * D + d] -
                                                                 out[((size_t)b * T + t) * C + h * D + d]));
    ok &= check("output copy", copyErr, 0.0);

    launchShared(fa::deltaKernel, Dim3{(unsigned)((rows * 32 + 255) / 256), 1, 1}, 256, 0, delta.data(),
           (const float*)dout.data(), (const float*)(att.data() + rows), Bn, T, NH);
    launchShared(fa::backwardKernel, grid, 128, fa::BACKWARD_SHARED, dqkv.data(),
           (const float*)dout.data(), (const float*)qkv.data(), (const float*)att.data(), (const float*)delta.data(),
           T, NH, scale);
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
        ok &= run(2, 130, 2, exact);  // three query tiles, the last partial
        ok &= run(1, 37, 2, exact);   // one partial tile
        ok &= run(1, 128, 1, exact);  // two whole tiles
    }
    std::printf(ok ? "fused attention emulation: all passed\n" : "fused attention emulation: FAILED\n");
    return ok ? 0 : 1;
}
