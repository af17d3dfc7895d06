// Runs the layer norm forward kernels of src/main/cuda/layer_norm.cuh (and the block reductions of
// reduce.cuh they use) on the CPU, against the model of CUDA in cuda_model.h, and compares them
// with a double-precision layer norm: each variant of the block-per-row kernel (1, 2, 4 and 8
// values per thread), the warp-per-row kernel for wide rows, and the residual add fused in front
// (residualLayerNormForward), in place as the sampler calls it; and the backward (rows by warps,
// dweight and dbias summed per block in shared memory), accumulated onto non-zero gradients.
//
// Build and run (trainer.bundle/cuda.linux.x86_64/emulate-kernels.sh does this in the CUDA
// fragment's test phase where g++ exists):
//   g++ -std=c++20 -O2 -pthread -I trainer.bundle/src/main/cuda \
//       trainer.bundle/src/test/cuda/layer_norm_emulation.cpp -o /tmp/ln && /tmp/ln
#include <random>

#include "cuda_model.h"

float sh[2 * 4096];  // the backward's dynamic shared memory (2 C floats)

#include "layer_norm.cuh"

// y = (x - mean) / sqrt(var + eps) * w + b per row, in double; also mean and 1/std
void reference(const std::vector<float>& x, const std::vector<float>& w, const std::vector<float>& b, int n, int c,
               float eps, std::vector<double>& y, std::vector<double>& mean, std::vector<double>& rstd) {
    y.assign((size_t)n * c, 0.0);
    mean.assign(n, 0.0);
    rstd.assign(n, 0.0);
    for (int r = 0; r < n; r++) {
        double m = 0, v = 0;
        for (int i = 0; i < c; i++) m += x[(size_t)r * c + i];
        m /= c;
        for (int i = 0; i < c; i++) v += (x[(size_t)r * c + i] - m) * (x[(size_t)r * c + i] - m);
        double s = 1.0 / std::sqrt(v / c + eps);
        mean[r] = m;
        rstd[r] = s;
        for (int i = 0; i < c; i++) y[(size_t)r * c + i] = (x[(size_t)r * c + i] - m) * s * w[i] + b[i];
    }
}

// the backward of cohort_cuda.cu's launch: 2 blocks of 256 threads, rows by warps
bool backward(int n, int c) {
    std::printf("backward: %d rows x %d\n", n, c);
    std::mt19937 rng(5 + c);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::vector<float> x((size_t)n * c), w(c), b(c), dy((size_t)n * c), dx((size_t)n * c), dw(c), db(c);
    for (auto* v : {&x, &w, &b, &dy, &dx, &dw, &db})
        for (auto& e : *v) e = u(rng);
    std::vector<double> y, mean, rstd;
    reference(x, w, b, n, c, 1e-5f, y, mean, rstd);
    std::vector<float> meanF(mean.begin(), mean.end()), rstdF(rstd.begin(), rstd.end());
    std::vector<double> rdx(dx.begin(), dx.end()), rdw(dw.begin(), dw.end()), rdb(db.begin(), db.end());
    for (int r = 0; r < n; r++) {
        double sg = 0, sgn = 0;
        for (int i = 0; i < c; i++) {
            double nv = (x[(size_t)r * c + i] - meanF[r]) * (double)rstdF[r], g = w[i] * (double)dy[(size_t)r * c + i];
            sg += g;
            sgn += g * nv;
            rdw[i] += dy[(size_t)r * c + i] * nv;
            rdb[i] += dy[(size_t)r * c + i];
        }
        for (int i = 0; i < c; i++) {
            double nv = (x[(size_t)r * c + i] - meanF[r]) * (double)rstdF[r];
            rdx[(size_t)r * c + i] += (w[i] * (double)dy[(size_t)r * c + i] - sg / c - nv * sgn / c) * rstdF[r];
        }
    }
    launch(layerNormBackwardKernel, Dim3{2, 1, 1}, 256, [] { std::memset(sh, 0xff, sizeof sh); }, dx.data(), dw.data(),
           db.data(), (const float*)dy.data(), (const float*)x.data(), (const float*)w.data(),
           (const float*)meanF.data(), (const float*)rstdF.data(), n, c);
    bool ok = true;
    ok &= check("dinp (abs)", worst(dx, rdx, false), 1e-5);
    ok &= check("dweight (relative to largest)", worst(dw, rdw, true), 1e-5);
    ok &= check("dbias (relative to largest)", worst(db, rdb, true), 1e-5);
    return ok;
}

bool run(int n, int c, bool residual) {
    std::printf("%d rows x %d%s\n", n, c, residual ? ", residual add fused in front, in place" : "");
    std::mt19937 rng(77 + c);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::vector<float> x((size_t)n * c), add((size_t)n * c), w(c), b(c);
    for (auto& v : x) v = 30.0f + 2.0f * u(rng);  // a large mean, as in the residual stream
    for (auto& v : add) v = u(rng);
    for (auto& v : w) v = u(rng);
    for (auto& v : b) v = u(rng);
    std::vector<float> sum = x;
    if (residual)
        for (size_t i = 0; i < sum.size(); i++) sum[i] = x[i] + add[i];  // float, as the kernels add
    std::vector<double> refY, refMean, refRstd;
    const float eps = 1e-5f;
    reference(sum, w, b, n, c, eps, refY, refMean, refRstd);

    std::vector<float> y((size_t)n * c, NAN), mean(n, NAN), rstd(n, NAN);
    std::vector<float> xs = x;  // the kernel's input, and in place its residual output
    const float* addp = residual ? add.data() : nullptr;
    float* resp = residual ? xs.data() : nullptr;
    if (c <= 256 * 8) {
        // the launch of cohort_cuda.cu's layerNorm()
        unsigned threads = c <= 1024 ? 128 : 256;
        int per = (c + threads - 1) / threads;
        auto kernel = per <= 1 ? layerNormRowKernel<1> : per <= 2 ? layerNormRowKernel<2>
                    : per <= 4 ? layerNormRowKernel<4> : layerNormRowKernel<8>;
        std::printf("  block per row: %u threads, %d values each\n", threads, per <= 1 ? 1 : per <= 2 ? 2 : per <= 4 ? 4 : 8);
        launch(kernel, Dim3{(unsigned)n, 1, 1}, threads, nullptr, y.data(), mean.data(), rstd.data(),
               (const float*)xs.data(), (const float*)w.data(), (const float*)b.data(), c, eps, addp, resp);
    } else {
        std::printf("  warp per row\n");
        if (residual) {
            for (size_t i = 0; i < xs.size(); i++) xs[i] = xs[i] + add[i];  // cohort_cuda.cu's residualKernel
        }
        launch(layerNormForwardKernel, Dim3{(unsigned)((n + 7) / 8), 1, 1}, 256, nullptr, y.data(), mean.data(),
               rstd.data(), (const float*)xs.data(), (const float*)w.data(), (const float*)b.data(), n, c, eps);
    }
    bool ok = true;
    ok &= check("output (abs)", worst(y, refY, false), 1e-4);
    ok &= check("mean (abs)", worst(mean, refMean, false), 1e-4);
    ok &= check("rstd (relative)", worst(rstd, refRstd, true), 1e-5);
    if (residual) {
        double diff = 0;
        for (size_t i = 0; i < xs.size(); i++) diff = std::max(diff, (double)std::abs(xs[i] - sum[i]));
        ok &= check("residual written in place", diff, 0.0);
    }
    return ok;
}

int main() {
    bool ok = true;
    for (bool residual : {false, true}) {
        for (int c : {96, 200, 400, 768, 1600, 2500}) ok &= run(c == 2500 ? 9 : 6, c, residual);
    }
    ok &= backward(37, 200);
    ok &= backward(20, 768);
    std::printf(ok ? "layer norm emulation: all passed\n" : "layer norm emulation: FAILED\n");
    return ok ? 0 : 1;
}
