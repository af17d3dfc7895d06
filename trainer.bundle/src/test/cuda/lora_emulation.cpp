// Runs LoRA's and dropout's kernels and launchers of src/main/cuda/lora.cuh on the CPU, against the
// model of CUDA in cuda_model.h:
//   - dropout's hash and mask against values the Java backend computed (SplitMix64.seed and
//     Lora.kept of trainer.bundle, printed once and committed here): bit-exact; its forward and
//     accumulated backward exact (the mask times 1 / (1 - p) in float, as Java rounds it);
//   - the LoRA forward and backward, their products through a GEMM that computes gemm()'s contract
//     (row-major C = alpha op(A) op(B) + beta C) with plain loops, against PEFT's
//     lora_B(lora_A(x)) * scaling and its chain rule written out in double: columns outside the
//     adapter's untouched, gradients accumulated onto non-zero values, with and without dinp.
//
// Build and run (trainer.bundle/cuda.linux.x86_64/emulate-kernels.sh does this in the CUDA
// fragment's test phase where g++ exists):
//   g++ -std=c++20 -O2 -pthread -I trainer.bundle/src/main/cuda \
//       trainer.bundle/src/test/cuda/lora_emulation.cpp -o /tmp/lora && /tmp/lora
#include <random>
#include <string>

#include "cuda_model.h"

#include "lora.cuh"

std::vector<float> random(std::mt19937& rng, size_t n, float lo, float hi) {
    std::uniform_real_distribution<float> u(lo, hi);
    std::vector<float> v(n);
    for (auto& x : v) x = u(rng);
    return v;
}

// ---------------------------------------------------------------------------------------- dropout

// SplitMix64.seed(seed, i) as the Java backend returned it
struct HashCase {
    long long seed, i;
    unsigned long long hash;
};
constexpr HashCase JAVA_HASHES[] = {
    {0LL, 0LL, 0x48218226ff3cd4bfULL},
    {0LL, 1LL, 0xdce423fc82c0d5b8ULL},
    {42LL, 7LL, 0xd6c6bcaef5310b01ULL},
    {-1LL, 123456789LL, 0x7ba6d707154919adULL},
    {1234567890123LL, 5000000000LL, 0x837ff97352bfe6b2ULL},
};

// Lora.kept over elements 0..99999: how many survive and the first 64 (1 = kept), from Java
struct MaskCase {
    long long seed;
    float p;
    int kept;
    const char* first64;
};
constexpr MaskCase JAVA_MASKS[] = {
    {7, 0.1f, 90082, "1111111011101111111110101111110111111111011111111111110111111111"},
    {7, 0.5f, 49824, "1011101010000010101100101101110100010011011111111111100101010111"},
    {-3, 0.1f, 90121, "1111111111001111111111111110111011111111111111111111111111111110"},
    {-3, 0.5f, 50159, "0110110101001101010000000110110011011011011110010011110100011010"},
};

bool dropoutChecks() {
    bool ok = true;
    std::printf("dropout: the hash at %zu (seed, index) pairs\n", std::size(JAVA_HASHES));
    int wrong = 0;
    for (const HashCase& h : JAVA_HASHES) wrong += lora::hash((uint64_t)h.seed, (uint64_t)h.i) != h.hash;
    ok &= check("hashes unlike Java's", wrong, 0);
    const size_t n = 100000;
    std::mt19937 rng(31);
    std::vector<float> x = random(rng, n, -3.0f, 3.0f), d0 = random(rng, n, -1.0f, 1.0f);
    for (const MaskCase& m : JAVA_MASKS) {
        std::printf("dropout: %zu elements, seed %lld, p %g\n", n, m.seed, m.p);
        std::vector<float> out(n, NAN), dinp = d0;
        dropout(nullptr, 3, out.data(), x.data(), n, m.p, (uint64_t)m.seed, false);
        dropout(nullptr, 3, dinp.data(), x.data(), n, m.p, (uint64_t)m.seed, true);
        float keepScale = 1.0f / (1.0f - m.p);  // Java: 1f / (1f - p)
        int kept = 0, prefix = 0, fwd = 0, back = 0;
        for (size_t i = 0; i < n; i++) {
            bool k = out[i] != 0.0f;
            kept += k;
            if (i < 64) prefix += k != (m.first64[i] == '1');
            float v = k ? x[i] * keepScale : 0.0f;  // the mask is checked against Java's above and below
            fwd += out[i] != v;
            back += dinp[i] != d0[i] + v;
        }
        ok &= check("kept count off Java's", std::abs(kept - m.kept), 0);
        ok &= check("first 64 unlike Java's mask", prefix, 0);
        ok &= check("forward values not exact", fwd, 0);
        ok &= check("backward values not exact", back, 0);
    }
    return ok;
}

// ---------------------------------------------------------------------------------------- LoRA

// gemm()'s contract with plain loops: C (M, N) = alpha op(A) op(B) + beta C, row-major, in double
// then rounded (the GPU's own summation order is the parity test's business)
void plainGemm(bool ta, bool tb, int M, int N, int K, float alpha, const float* A, int lda, const float* B, int ldb,
               float beta, float* C, int ldc) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < K; k++)
                s += (double)(ta ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k]) *
                     (tb ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j]);
            float& c = C[(size_t)i * ldc + j];
            c = (float)(alpha * s + (beta == 0.0f ? 0.0 : (double)beta * c));
        }
}

struct Shape {
    int n, c, r, oc, ldo, col;
};

bool loraChecks(Shape s, bool withDinp) {
    std::printf("lora: %d rows, C %d, rank %d, columns [%d, %d) of %d%s\n", s.n, s.c, s.r, s.col, s.col + s.oc, s.ldo,
                withDinp ? "" : ", no dinp");
    std::mt19937 rng(17 + s.c + s.r + s.col);
    const float scale = 2.0f;  // alpha 64 over rank 32, as PEFT scales
    std::vector<float> x = random(rng, (size_t)s.n * s.c, -1, 1), a = random(rng, (size_t)s.r * s.c, -0.5f, 0.5f);
    std::vector<float> b = random(rng, (size_t)s.oc * s.r, -0.5f, 0.5f), out0 = random(rng, (size_t)s.n * s.ldo, -1, 1);
    std::vector<float> dout = random(rng, out0.size(), -1, 1), dinp0 = random(rng, x.size(), -1, 1);
    std::vector<float> da0 = random(rng, a.size(), -1, 1), db0 = random(rng, b.size(), -1, 1);

    // the reference in double: hh = scale x A^T, out += hh B^T, and the chain rule
    std::vector<double> hh((size_t)s.n * s.r, 0.0), out(out0.begin(), out0.end()), dh(hh.size(), 0.0);
    std::vector<double> dinpRef(dinp0.begin(), dinp0.end()), da(da0.begin(), da0.end()), db(db0.begin(), db0.end());
    for (int i = 0; i < s.n; i++)
        for (int k = 0; k < s.r; k++) {
            for (int j = 0; j < s.c; j++) hh[i * s.r + k] += (double)x[i * s.c + j] * a[k * s.c + j];
            hh[i * s.r + k] *= scale;
            for (int o = 0; o < s.oc; o++) {
                double g = dout[(size_t)i * s.ldo + s.col + o];
                out[(size_t)i * s.ldo + s.col + o] += hh[i * s.r + k] * b[o * s.r + k];
                db[o * s.r + k] += g * hh[i * s.r + k];
                dh[i * s.r + k] += scale * g * b[o * s.r + k];
            }
            for (int j = 0; j < s.c; j++) {
                da[k * s.c + j] += dh[i * s.r + k] * x[i * s.c + j];
                dinpRef[i * s.c + j] += dh[i * s.r + k] * a[k * s.c + j];
            }
        }

    std::vector<float> got = out0, h(hh.size(), NAN), dhGot(hh.size(), NAN), dinp = dinp0, daGot = da0, dbGot = db0;
    loraForward(plainGemm, got.data(), s.ldo, s.col, h.data(), x.data(), a.data(), b.data(), s.n, s.c, s.r, s.oc,
                scale);
    loraBackward(plainGemm, withDinp ? dinp.data() : nullptr, daGot.data(), dbGot.data(), dhGot.data(), dout.data(),
                 s.ldo, s.col, x.data(), h.data(), a.data(), b.data(), s.n, s.c, s.r, s.oc, scale);
    bool ok = true;
    ok &= check("h = scale x A^T (relative)", worst(h, hh, true), 1e-6);
    ok &= check("out, adapter's columns added (relative)", worst(got, out, true), 1e-6);
    int touched = 0;
    for (int i = 0; i < s.n; i++)
        for (int j = 0; j < s.ldo; j++)
            if ((j < s.col || j >= s.col + s.oc) && got[(size_t)i * s.ldo + j] != out0[(size_t)i * s.ldo + j]) touched++;
    ok &= check("out, other columns changed", touched, 0);
    ok &= check("dh (relative)", worst(dhGot, dh, true), 1e-6);
    ok &= check("dA accumulated (relative)", worst(daGot, da, true), 1e-6);
    ok &= check("dB accumulated (relative)", worst(dbGot, db, true), 1e-6);
    if (withDinp) {
        ok &= check("dinp accumulated (relative)", worst(dinp, dinpRef, true), 1e-6);
    } else {
        std::vector<double> untouched(dinp0.begin(), dinp0.end());
        ok &= check("dinp left alone without it", worst(dinp, untouched, false), 0);
    }
    return ok;
}

int main() {
    bool ok = dropoutChecks();
    ok &= loraChecks({37, 96, 8, 32, 96, 32}, true);    // k_proj of a fused qkv (q 32 | k 32 | v 32)
    ok &= loraChecks({37, 96, 8, 32, 96, 32}, false);   // the first layer: no input gradient
    ok &= loraChecks({13, 40, 32, 72, 72, 0}, true);    // rank 32, the whole output (o_proj-like)
    ok &= loraChecks({5, 23, 1, 7, 31, 24}, true);      // rank 1, odd sizes, the last columns
    std::printf(ok ? "lora emulation: all passed\n" : "lora emulation: FAILED\n");
    return ok ? 0 : 1;
}
