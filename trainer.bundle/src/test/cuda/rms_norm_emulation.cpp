// Runs the RMSNorm kernels and launchers of src/main/cuda/rms_norm.cuh on the CPU, against the
// model of CUDA in cuda_model.h, and compares them with a double-precision RMSNorm: plain rows
// through each variant of the block-per-row kernel (1 to 16 values per thread) and the
// warp-per-row kernel for wider rows, the residual add fused in front (in place), Qwen3's per-head
// q/k norms (grouped-query heads, value heads copied or left in place), and the backward: the input
// gradient (accumulated, the value heads' gradient passed through) and both weight gradients
// (two-pass sums over chunks of rows, several chunks).
//
// Build and run (trainer.bundle/cuda.linux.x86_64/emulate-kernels.sh does this in the CUDA
// fragment's test phase where g++ exists):
//   g++ -std=c++20 -O2 -pthread -I trainer.bundle/src/main/cuda \
//       trainer.bundle/src/test/cuda/rms_norm_emulation.cpp -o /tmp/rms && /tmp/rms
#include <random>

#include "cuda_model.h"

#include "rms_norm.cuh"

// The reference over the rows of r, in double: y, 1/rms, and the gradients dx (+= onto dx0),
// dw0 and dw1 (+= onto their initial values) for upstream gradient dy.
struct Reference {
    std::vector<double> y, rstd, dx, dw0, dw1;
};

Reference reference(const RmsRows& r, const std::vector<float>& x, const std::vector<float>& w0,
                    const std::vector<float>& w1, const std::vector<float>& dy, const std::vector<float>& dx0,
                    const std::vector<float>& dwInit0, const std::vector<float>& dwInit1, float eps) {
    Reference ref;
    ref.y.assign(x.begin(), x.end());  // pass-through parts keep x
    ref.dx.assign(dx0.begin(), dx0.end());
    ref.rstd.assign((size_t)r.positions * r.heads, 0.0);
    ref.dw0.assign(dwInit0.begin(), dwInit0.end());
    ref.dw1.assign(dwInit1.begin(), dwInit1.end());
    for (int p = 0; p < r.positions; p++) {
        for (int h = 0; h < r.heads; h++) {
            size_t base = (size_t)p * r.stride + (size_t)h * r.width;
            const auto& w = h < r.qHeads ? w0 : w1;
            auto& dw = h < r.qHeads ? ref.dw0 : ref.dw1;
            double ss = 0;
            for (int i = 0; i < r.width; i++) ss += (double)x[base + i] * x[base + i];
            double s = 1.0 / std::sqrt(ss / r.width + eps);
            ref.rstd[(size_t)p * r.heads + h] = s;
            double dot = 0;
            for (int i = 0; i < r.width; i++) {
                double n = x[base + i] * s;
                ref.y[base + i] = w[i] * n;
                dot += w[i] * (double)dy[base + i] * n;
                dw[i] += dy[base + i] * n;
            }
            for (int i = 0; i < r.width; i++) {
                double n = x[base + i] * s;
                ref.dx[base + i] += s * (w[i] * (double)dy[base + i] - n * dot / r.width);
            }
        }
        for (int i = 0; i < r.copy; i++) {
            size_t o = (size_t)p * r.stride + (size_t)r.heads * r.width + i;
            ref.dx[o] += dy[o];
        }
    }
    return ref;
}

std::vector<float> random(std::mt19937& rng, size_t n, float lo, float hi) {
    std::uniform_real_distribution<float> u(lo, hi);
    std::vector<float> v(n);
    for (auto& x : v) x = u(rng);
    return v;
}

// One call of the forward (in place or not, with or without the residual add) and of the backward.
bool run(const char* what, RmsRows r, bool inPlace, bool residual) {
    std::printf("%s: %d positions, %d rows of %d (%d with w0), %d copied%s%s\n", what, r.positions, r.heads, r.width,
                r.qHeads, r.copy, inPlace ? ", in place" : "", residual ? ", residual add fused in front" : "");
    std::mt19937 rng(11 + r.width + r.heads + (inPlace ? 100 : 0) + (residual ? 200 : 0));
    size_t total = (size_t)r.positions * r.stride;
    std::vector<float> a = random(rng, total, -2.0f, 2.0f), b = random(rng, total, -1.0f, 1.0f);
    std::vector<float> w0 = random(rng, r.width, 0.5f, 1.5f), w1 = random(rng, r.width, -1.5f, -0.5f);
    std::vector<float> dy = random(rng, total, -1.0f, 1.0f), dx0 = random(rng, total, -1.0f, 1.0f);
    std::vector<float> dwInit0 = random(rng, r.width, -1.0f, 1.0f), dwInit1 = random(rng, r.width, -1.0f, 1.0f);
    std::vector<float> x = a;
    if (residual)
        for (size_t i = 0; i < total; i++) x[i] = a[i] + b[i];  // float, as the kernels add
    const float eps = 1e-6f;
    Reference ref = reference(r, x, w0, w1, dy, dx0, dwInit0, dwInit1, eps);

    std::vector<float> in = a, outBuf(total, NAN), rstd((size_t)r.positions * r.heads, NAN);
    float* out = inPlace ? in.data() : outBuf.data();
    rmsNormForward(nullptr, out, rstd.data(), in.data(), w0.data(), w1.data(), r, eps, residual ? b.data() : nullptr,
                   residual ? in.data() : nullptr);
    std::vector<float> y(out, out + total);
    bool ok = true;
    ok &= check("output (abs)", worst(y, ref.y, false), 2e-6);
    ok &= check("rstd (relative)", worst(rstd, ref.rstd, true), 1e-6);
    if (residual && !inPlace) {
        std::vector<double> sum(x.begin(), x.end());
        ok &= check("residual written in place", worst(in, sum, false), 0.0);
    }
    if (inPlace || residual) return ok;  // the backward reads the forward's input: once per shape

    std::vector<float> dx = dx0, dw0 = dwInit0, dw1 = dwInit1;
    std::vector<double> scratch(rmsNormBackwardScratch(r), NAN);
    rmsNormBackward(nullptr, dx.data(), dw0.data(), dw1.data(), dy.data(), x.data(), w0.data(), w1.data(),
                    rstd.data(), r, scratch.data());
    ok &= check("dinp (abs)", worst(dx, ref.dx, false), 2e-6);
    ok &= check("dw0 (relative to largest)", worst(dw0, ref.dw0, true), 1e-6);
    if (r.heads > r.qHeads) ok &= check("dw1 (relative to largest)", worst(dw1, ref.dw1, true), 1e-6);
    return ok;
}

int main() {
    bool ok = true;
    // plain rows: 1, 2, 4, 8 and 16 values per thread, then the warp per row (wider than 4096)
    for (int c : {96, 200, 896, 1600, 3000, 5000}) {
        RmsRows r = rmsPlain(c <= 200 ? 70 : 6, c);  // 70 rows: three chunks of the weight gradient
        for (bool residual : {false, true}) ok &= run("plain", r, false, residual);
        ok &= run("plain", r, true, true);
    }
    // Qwen3's q/k norms: 4 query heads over 2 key/value heads; head size 64, 128 and an odd 24
    for (int hs : {64, 128, 24}) {
        RmsRows r = rmsHeads(hs == 64 ? 40 : 9, 4, 2, hs);
        ok &= run("heads", r, false, false);
        ok &= run("heads", r, true, false);
    }
    std::printf(ok ? "rms norm emulation: all passed\n" : "rms norm emulation: FAILED\n");
    return ok ? 0 : 1;
}
