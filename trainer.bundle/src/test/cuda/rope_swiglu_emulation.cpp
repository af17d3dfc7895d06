// Runs the rotary embedding and SwiGLU kernels and launchers of src/main/cuda/rope.cuh and
// swiglu.cuh on the CPU, against the model of CUDA in cuda_model.h, and compares them with
// double-precision references: the rotation of the query and key heads of grouped-query qkv rows
// (rotate_half pairs i and i + HS/2; angle = position * invFreq rounded to fp32, as transformers
// computes it) out of place with the value heads copied, in place with them untouched, and its
// backward (the opposite rotation added to dqkv, the value heads' gradient passed through); SwiGLU's
// forward and its accumulated backward.
//
// Build and run (trainer.bundle/cuda.linux.x86_64/emulate-kernels.sh does this in the CUDA
// fragment's test phase where g++ exists):
//   g++ -std=c++20 -O2 -pthread -I trainer.bundle/src/main/cuda \
//       trainer.bundle/src/test/cuda/rope_swiglu_emulation.cpp -o /tmp/rope && /tmp/rope
#include <random>

#include "cuda_model.h"

#include "rope.cuh"
#include "swiglu.cuh"

std::vector<float> random(std::mt19937& rng, size_t n, float lo, float hi) {
    std::uniform_real_distribution<float> u(lo, hi);
    std::vector<float> v(n);
    for (auto& x : v) x = u(rng);
    return v;
}

// y = R(sign * angle) x on the rotated heads, x elsewhere; added to `base` (a copy of it, in double)
std::vector<double> rotate(const std::vector<float>& x, const std::vector<double>& base, const std::vector<int>& pos,
                           const std::vector<float>& invFreq, int n, int nh, int nkv, int hs, double sign) {
    std::vector<double> y = base;
    int width = (nh + 2 * nkv) * hs, half = hs / 2;
    for (int r = 0; r < n; r++) {
        for (int i = 0; i < half; i++) {
            float angle = (float)pos[r] * invFreq[i];  // fp32, as transformers and the kernel round it
            double c = std::cos((double)angle), s = sign * std::sin((double)angle);
            for (int h = 0; h < nh + nkv; h++) {
                size_t a = (size_t)r * width + (size_t)h * hs + i;
                y[a] += x[a] * c - x[a + half] * s;
                y[a + half] += x[a + half] * c + x[a] * s;
            }
        }
        for (int j = (nh + nkv) * hs; j < width; j++) y[(size_t)r * width + j] += x[(size_t)r * width + j];
    }
    return y;
}

bool rope(int n, int nh, int nkv, int hs) {
    std::printf("rope: %d rows, %d query heads, %d key/value heads of %d\n", n, nh, nkv, hs);
    std::mt19937 rng(5 + hs + nh);
    int width = (nh + 2 * nkv) * hs;
    size_t total = (size_t)n * width;
    std::vector<float> x = random(rng, total, -1.0f, 1.0f), dy = random(rng, total, -1.0f, 1.0f);
    std::vector<float> dx0 = random(rng, total, -1.0f, 1.0f);
    std::vector<float> invFreq(hs / 2);
    for (int i = 0; i < hs / 2; i++) invFreq[i] = (float)std::pow(1e6, -2.0 * i / hs);  // Qwen's theta
    std::vector<int> pos(n);
    std::uniform_int_distribution<int> p(0, 32767);
    for (auto& v : pos) v = p(rng);
    pos[0] = 0;
    std::vector<double> zero(total, 0.0), dxBase(dx0.begin(), dx0.end());
    std::vector<double> ref = rotate(x, zero, pos, invFreq, n, nh, nkv, hs, 1.0);
    std::vector<double> refBack = rotate(dy, dxBase, pos, invFreq, n, nh, nkv, hs, -1.0);
    bool ok = true;

    std::vector<float> out(total, NAN);
    ropeForward(nullptr, 4, out.data(), x.data(), pos.data(), invFreq.data(), n, nh, nkv, hs);
    ok &= check("forward, value heads copied (abs)", worst(out, ref, false), 1e-6);
    std::vector<float> inPlace = x;
    ropeForward(nullptr, 4, inPlace.data(), inPlace.data(), pos.data(), invFreq.data(), n, nh, nkv, hs);
    ok &= check("forward in place (abs)", worst(inPlace, ref, false), 1e-6);
    std::vector<float> dx = dx0;
    ropeBackward(nullptr, 4, dx.data(), dy.data(), pos.data(), invFreq.data(), n, nh, nkv, hs);
    ok &= check("backward, accumulated (abs)", worst(dx, refBack, false), 1e-6);
    return ok;
}

bool swiglu(int n, int width) {
    std::printf("swiglu: %d rows of 2 x %d\n", n, width);
    std::mt19937 rng(9 + width);
    std::vector<float> gu = random(rng, (size_t)n * 2 * width, -6.0f, 6.0f), dy = random(rng, (size_t)n * width, -1, 1);
    std::vector<float> dgu0 = random(rng, gu.size(), -1.0f, 1.0f);
    std::vector<double> ref((size_t)n * width), refBack(dgu0.begin(), dgu0.end());
    for (int r = 0; r < n; r++)
        for (int i = 0; i < width; i++) {
            double g = gu[(size_t)r * 2 * width + i], u = gu[(size_t)r * 2 * width + width + i];
            double sig = 1.0 / (1.0 + std::exp(-g)), d = dy[(size_t)r * width + i];
            ref[(size_t)r * width + i] = g * sig * u;
            refBack[(size_t)r * 2 * width + i] += d * u * sig * (1.0 + g * (1.0 - sig));
            refBack[(size_t)r * 2 * width + width + i] += d * g * sig;
        }
    std::vector<float> out((size_t)n * width, NAN), dgu = dgu0;
    swigluForward(nullptr, 3, out.data(), gu.data(), n, width);
    swigluBackward(nullptr, 3, dgu.data(), gu.data(), dy.data(), n, width);
    bool ok = true;
    ok &= check("forward (relative to largest)", worst(out, ref, true), 1e-6);
    ok &= check("backward, accumulated (relative to largest)", worst(dgu, refBack, true), 1e-6);
    return ok;
}

int main() {
    bool ok = true;
    ok &= rope(37, 4, 2, 64);   // grouped-query, Llama's head size
    ok &= rope(11, 14, 2, 64);  // Qwen2.5-0.5B's heads
    ok &= rope(9, 2, 2, 128);   // multi-head, head size 128
    ok &= rope(5, 3, 1, 10);    // an odd half (5)
    ok &= swiglu(13, 136);
    ok &= swiglu(3, 999);
    std::printf(ok ? "rope and swiglu emulation: all passed\n" : "rope and swiglu emulation: FAILED\n");
    return ok ? 0 : 1;
}
