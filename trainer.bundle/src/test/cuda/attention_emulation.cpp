// Runs the materialised attention's kernels and launchers of src/main/cuda/attention.cuh on the
// CPU, against the model of CUDA in cuda_model.h, and chains them as cohort_cuda.cu does (its
// batched GEMMs done here by plain loops in float) into a grouped-query attention forward and
// backward, compared with a double-precision attention: the repetition of key/value heads per
// query head, the causal softmax and its backward, and the gathering of the gradients into dqkv
// (a key/value head's summed over its group's query heads).
//
// Build and run (trainer.bundle/cuda.linux.x86_64/emulate-kernels.sh does this in the CUDA
// fragment's test phase where g++ exists):
//   g++ -std=c++20 -O2 -pthread -I trainer.bundle/src/main/cuda \
//       trainer.bundle/src/test/cuda/attention_emulation.cpp -o /tmp/att && /tmp/att
#include <random>

#include "cuda_model.h"

#include "attention.cuh"

// c (M x N) = alpha op(a) op(b) for each of `batch` matrices, row-major (the role of cohort_cuda.cu's gemm)
void gemm(bool ta, bool tb, int M, int N, int K, float alpha, const float* a, long long sa, const float* b,
          long long sb, float* c, long long sc, int batch) {
    for (int z = 0; z < batch; z++)
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                float s = 0;
                for (int k = 0; k < K; k++) {
                    float x = ta ? a[z * sa + (size_t)k * M + i] : a[z * sa + (size_t)i * K + k];
                    float y = tb ? b[z * sb + (size_t)j * K + k] : b[z * sb + (size_t)k * N + j];
                    s += x * y;
                }
                c[z * sc + (size_t)i * N + j] = alpha * s;
            }
}

bool run(int B, int T, int NH, int NKV, int HS) {
    std::printf("B %d, T %d, %d query heads over %d key/value heads of %d\n", B, T, NH, NKV, HS);
    int W = (NH + 2 * NKV) * HS, C = NH * HS;
    std::mt19937 rng(3 + T + NH);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::vector<float> qkv((size_t)B * T * W), dout((size_t)B * T * C), dqkv((size_t)B * T * W);
    for (auto& x : qkv) x = u(rng);
    for (auto& x : dout) x = u(rng);
    for (auto& x : dqkv) x = u(rng);
    const std::vector<float> before = dqkv;
    // the reference: out and the gradients, in double
    std::vector<double> ref((size_t)B * T * C, 0.0), grad((size_t)B * T * W, 0.0);
    double sc = 1.0 / std::sqrt((double)HS);
    auto at = [&](int b, int t, int head, int d) { return ((size_t)b * T + t) * W + (size_t)head * HS + d; };
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++) {
            int kh = NH + h / (NH / NKV), vh = kh + NKV;
            for (int i = 0; i < T; i++) {
                std::vector<double> p(i + 1), dp(i + 1);
                double mx = -INFINITY, sum = 0, dsum = 0;
                for (int j = 0; j <= i; j++) {
                    double s = 0;
                    for (int d = 0; d < HS; d++) s += (double)qkv[at(b, i, h, d)] * qkv[at(b, j, kh, d)];
                    mx = std::max(mx, p[j] = s * sc);
                }
                for (int j = 0; j <= i; j++) sum += p[j] = std::exp(p[j] - mx);
                const float* g = &dout[((size_t)b * T + i) * C + (size_t)h * HS];
                for (int j = 0; j <= i; j++) {
                    p[j] /= sum;
                    double gv = 0;
                    for (int d = 0; d < HS; d++) {
                        ref[((size_t)b * T + i) * C + h * HS + d] += p[j] * qkv[at(b, j, vh, d)];
                        gv += (double)g[d] * qkv[at(b, j, vh, d)];
                    }
                    dsum += p[j] * (dp[j] = gv);
                }
                for (int j = 0; j <= i; j++) {
                    double ds = p[j] * (dp[j] - dsum) * sc;
                    for (int d = 0; d < HS; d++) {
                        grad[at(b, i, h, d)] += ds * qkv[at(b, j, kh, d)];
                        grad[at(b, j, kh, d)] += ds * qkv[at(b, i, h, d)];
                        grad[at(b, j, vh, d)] += p[j] * g[d];
                    }
                }
            }
        }
    // the kernels, chained as cohort_cuda.cu's attentionForward and attentionBackward chain them
    size_t bth = (size_t)B * T * NH * HS;
    std::vector<float> q(bth), k(bth), v(bth), y(bth), dy(bth), dq(bth), dk(bth), dv(bth), out((size_t)B * T * C, NAN);
    std::vector<float> att((size_t)B * NH * T * T), datt(att.size());
    QkvHeads heads{NH, NKV, HS};
    long long th = (long long)T * HS, tt = (long long)T * T;
    float scale = (float)sc;
    permuteQkv(nullptr, 3, q.data(), k.data(), v.data(), qkv.data(), B, T, heads);
    gemm(false, true, T, T, HS, scale, q.data(), th, k.data(), th, att.data(), tt, B * NH);
    causalSoftmax(nullptr, att.data(), B * NH * T, T);
    gemm(false, false, T, HS, T, 1.0f, att.data(), tt, v.data(), th, y.data(), th, B * NH);
    permuteHeads(nullptr, 3, out.data(), y.data(), B, T, NH, HS, true);
    bool ok = check("forward output (abs)", worst(out, ref, false), 1e-5);
    permuteHeads(nullptr, 3, dy.data(), dout.data(), B, T, NH, HS, false);
    gemm(false, true, T, T, HS, 1.0f, dy.data(), th, v.data(), th, datt.data(), tt, B * NH);
    gemm(true, false, T, HS, T, 1.0f, att.data(), tt, dy.data(), th, dv.data(), th, B * NH);
    causalSoftmaxBackward(nullptr, datt.data(), att.data(), B * NH * T, T);
    gemm(false, false, T, HS, T, scale, datt.data(), tt, k.data(), th, dq.data(), th, B * NH);
    gemm(true, false, T, HS, T, scale, datt.data(), tt, q.data(), th, dk.data(), th, B * NH);
    accumulateQkv(nullptr, 3, dqkv.data(), dq.data(), dk.data(), dv.data(), B, T, heads);
    std::vector<float> got(dqkv.size());
    for (size_t i = 0; i < got.size(); i++) got[i] = dqkv[i] - before[i];
    ok &= check("dqkv (relative to largest)", worst(got, grad, true), 1e-5);
    return ok;
}

int main() {
    bool ok = true;
    ok &= run(2, 37, 2, 2, 16);  // multi-head
    ok &= run(1, 45, 6, 2, 16);  // grouped-query, 3 query heads per key/value head
    ok &= run(2, 20, 4, 1, 15);  // one key/value head, an odd head size
    std::printf(ok ? "attention emulation: all passed\n" : "attention emulation: FAILED\n");
    return ok ? 0 : 1;
}
