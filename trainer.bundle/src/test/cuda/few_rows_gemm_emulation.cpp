// Runs the few-row product kernel of src/main/cuda/few_rows_gemm.cuh on the CPU, against the model
// of CUDA in cuda_model.h, and compares its pieces (and their sum plus a bias, as the caller adds
// them) with a double-precision product: 64 rows (a decoding step's) with several K chunks per
// piece, several column tiles and up to 6 pieces; rows that fill no tile (5) and a second, partly
// filled row tile (100). (GPT-2's own shapes take minutes in this model: every lane computes whole
// tiles.) Two passes: without TF32 rounding (fp32 rounding only) and with it.
//
// Build and run (trainer.bundle/cuda.linux.x86_64/emulate-kernels.sh does this in the CUDA
// fragment's test phase where g++ exists):
//   g++ -std=c++20 -O2 -pthread -I trainer.bundle/src/main/cuda \
//       trainer.bundle/src/test/cuda/few_rows_gemm_emulation.cpp -o /tmp/frg && /tmp/frg
#include <random>

#include "cuda_model.h"

namespace frg {
alignas(128) float smem[2 * 64 * 72];
}

#include "few_rows_gemm.cuh"

bool run(int n, int K, int N, int splits, bool exact) {
    exactTf32 = exact;
    std::printf("%d rows: %d x %d . %d x %d in %d pieces, %s\n", n, n, K, K, N, splits,
                exact ? "no TF32 rounding" : "TF32");
    std::mt19937 rng(5 + n + K);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::vector<float> inp((size_t)n * K), w((size_t)K * N), bias(N);
    for (auto& v : inp) v = u(rng);
    for (auto& v : w) v = 0.05f * u(rng);
    for (auto& v : bias) v = u(rng);
    if (!frg::fits(n, K, N, splits, inp.data(), w.data())) {
        std::printf("  does not fit the kernel\n");
        return false;
    }
    int ks = K / splits;
    std::vector<double> refPart((size_t)splits * n * N, 0.0), refOut((size_t)n * N, 0.0);
    for (int s = 0; s < splits; s++)
        for (int r = 0; r < n; r++)
            for (int k = s * ks; k < (s + 1) * ks; k++) {
                double a = inp[(size_t)r * K + k];
                for (int j = 0; j < N; j++) refPart[((size_t)s * n + r) * N + j] += a * w[(size_t)k * N + j];
            }
    for (int r = 0; r < n; r++)
        for (int j = 0; j < N; j++) {
            double acc = bias[j];
            for (int s = 0; s < splits; s++) acc += refPart[((size_t)s * n + r) * N + j];
            refOut[(size_t)r * N + j] = acc;
        }

    std::vector<float> part((size_t)splits * n * N, NAN);
    Dim3 grid{(unsigned)(N / frg::T), (unsigned)((n + frg::T - 1) / frg::T), (unsigned)splits};
    launch(frg::kernel, grid, frg::THREADS, [] { std::memset(frg::smem, 0xff, sizeof frg::smem); }, part.data(),
           (const float*)inp.data(), (const float*)w.data(), n, K, N, ks);
    // the caller's pass (cohort_cuda.cu's splitReduceKernel): bias first, then the pieces in order
    std::vector<float> out((size_t)n * N);
    for (size_t i = 0; i < out.size(); i++) {
        float acc = bias[i % N];
        for (int s = 0; s < splits; s++) acc += part[(size_t)s * n * N + i];
        out[i] = acc;
    }
    bool ok = true;
    ok &= check("pieces (abs)", worst(part, refPart, false), exact ? 2e-5 : 2e-3);
    ok &= check("product + bias (abs)", worst(out, refOut, false), exact ? 5e-5 : 5e-3);
    return ok;
}

int main() {
    bool ok = true;
    for (bool exact : {true, false}) {
        ok &= run(64, 512, 128, 2, exact);   // 64 rows (a decoding step), 4 chunks per piece, 2 column tiles
        ok &= run(64, 384, 192, 6, exact);   // one chunk per piece, 6 pieces
        ok &= run(5, 256, 64, 2, exact);     // rows that fill no tile
        ok &= run(100, 256, 192, 2, exact);  // a second row tile, partly filled
    }
    std::printf(ok ? "few-row product emulation: all passed\n" : "few-row product emulation: FAILED\n");
    return ok ? 0 : 1;
}
