// libcohortcuda: the CUDA backend of Cohort's trainer (dev.cohort.trainer.internal.backend.CudaBackend).
//
// Conventions match the Java backend (Backend.java): row-major fp32 tensors, N = B*T rows of
// activations, backward ops ACCUMULATE into gradients. Everything runs on one non-blocking stream
// per context; host arrays (token ids, positions, targets, per-token weights, RNG states) go in
// through a ring of pinned staging buffers, so no call waits for the GPU except the ones that
// return numbers (reads, log-probs, samples, sums).
//
// Matrix products: cuBLAS (loaded with dlopen at run time; the build machines have no cuBLAS)
// in fp32, TF32 or BF16 tensor-core mode, or this file's own tiled fp32 kernel.

#include <jni.h>
#include <cuda_runtime.h>
#include <dlfcn.h>

#include <cuda_bf16.h>
#include <mma.h>

#include <cfloat>
#include <chrono>
#include <algorithm>
#include <map>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

namespace {

constexpr int ABI_VERSION = 7;

struct Err {
    std::string msg;
};

void fail(const std::string& what, cudaError_t e) {
    throw Err{what + ": " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")"};
}

#define CK(call)                                   \
    do {                                           \
        cudaError_t e_ = (call);                   \
        if (e_ != cudaSuccess) fail(#call, e_);    \
    } while (0)

// After a launch: configuration errors now, faults of earlier work whenever they surface.
#define LAUNCHED(name)                                                   \
    do {                                                                 \
        cudaError_t e_ = cudaGetLastError();                             \
        if (e_ != cudaSuccess) fail(std::string("kernel ") + name, e_);  \
    } while (0)

// ------------------------------------------------------------------------------------------ cuBLAS

// The few cuBLAS symbols used, declared here: the headers are not on the build machines.
typedef int (*CublasCreate)(void**);
typedef int (*CublasDestroy)(void*);
typedef int (*CublasSetStream)(void*, cudaStream_t);
typedef int (*CublasGetVersion)(void*, int*);
typedef int (*CublasSetWorkspace)(void*, void*, size_t);
typedef int (*CublasGemmStridedBatchedEx)(void*, int, int, int, int, int, const void*, const void*, int, int,
                                          long long, const void*, int, int, long long, const void*, void*, int, int,
                                          long long, int, int, int);
constexpr int CUBLAS_OP_N = 0;
constexpr int CUBLAS_OP_T = 1;
constexpr int CUDA_R_32F = 0;
constexpr int CUDA_R_16BF = 14;
constexpr int CUBLAS_COMPUTE_32F = 68;
constexpr int CUBLAS_COMPUTE_32F_FAST_TF32 = 77;
constexpr int CUBLAS_GEMM_DEFAULT = -1;

struct Cublas {
    void* lib = nullptr;
    void* handle = nullptr;
    CublasDestroy destroy = nullptr;
    CublasGemmStridedBatchedEx gemm = nullptr;
    int version = 0;
    std::string path;
};

// ------------------------------------------------------------------------------------------ context

struct DevBuf {
    void* p = nullptr;
    size_t cap = 0;
    std::vector<char> shadow;  // host copy of what the last upload left in p (see upload())
    bool valid = false;
};

// One pinned staging buffer with the event after the copy that last read it.
struct Staging {
    void* host = nullptr;
    size_t cap = 0;
    cudaEvent_t done = nullptr;
};

constexpr int RING = 32;

// A recorded decoding step (a CUDA graph) with its own input buffers: its recorded copies read
// token ids, positions and cache slots from `pinned`, which a replay fills first.
struct StepGraph {
    int rows = 0;
    cudaGraphExec_t exec = nullptr;
    int* pinned[3] = {};  // tokens, positions, slots
    int* dev[3] = {};
    bool uploaded[3] = {};
    cudaEvent_t done = nullptr;
    unsigned long generation = 0;
};

void freeGraph(StepGraph* g) {
    if (!g) return;
    if (g->done) {
        cudaEventSynchronize(g->done);
        cudaEventDestroy(g->done);
    }
    if (g->exec) cudaGraphExecDestroy(g->exec);
    for (int k = 0; k < 3; k++) {
        if (g->pinned[k]) cudaFreeHost(g->pinned[k]);
        if (g->dev[k]) cudaFree(g->dev[k]);
    }
    delete g;
}

enum Role { R_TOKENS, R_POSITIONS, R_SLOTS, R_TARGETS, R_WEIGHTS, R_RNG, R_COUNT };

struct Ctx {
    int device = 0;
    int sms = 1;
    cudaStream_t stream = nullptr;
    int precision = 0;  // 0 fp32, 1 tf32, 2 bf16
    bool useCublas = false;
    bool fusedAttention = false;  // training attention in tiles, without the (T, T) matrices (TF32)
    bool fewRowsGemm = false;     // few-row products on the library's own TF32 kernel (few_rows_gemm.cuh)
    bool bf16Kv = false;          // the decoding KV cache holds bf16 (kv_attention.cuh)
    Cublas cublas;
    std::string gemmInfo;
    Staging ring[RING];
    int ringNext = 0;
    DevBuf roles[R_COUNT];
    DevBuf attScratch, partial, outF, outI, exps, keys, sum;
    void* pinnedOut = nullptr;
    size_t pinnedOutCap = 0;
    DevBuf bfA, bfB, bfC;  // bf16 copies of GEMM operands (precision 2)
    DevBuf padded;         // LM-head products and gradients with aligned rows
    DevBuf splitK;         // partial products of few-row matrix products split along K
    DevBuf normScratch;    // RMSNorm weight gradients' partial sums (rms_norm.cuh)
    // step recording (CUDA graphs): the step being recorded, and a counter that moves whenever a
    // scratch buffer moves (recorded steps from before are stale then)
    StepGraph* building = nullptr;
    unsigned long generation = 0;
    bool graphsOk = false;
    void* cublasWorkspace = nullptr;
    // profiling (COHORT_CUDA_PROFILE=1): a pair of events around every op, resolved on demand;
    // COHORT_CUDA_PROFILE=exact also holds the GPU in a spin kernel while the op is enqueued, so
    // that its time is its kernels' alone, not the host's launch gaps (much slower overall)
    bool profiling = false;
    long long spinCycles = 0;
    struct Pending {
        const char* op;
        cudaEvent_t a, b;
        double hostUs;
    };
    std::vector<Pending> pending;
    std::vector<cudaEvent_t> eventPool;
    struct Total {
        long calls = 0;
        double gpuMs = 0, hostUs = 0;
    };
    std::map<std::string, Total> totals;
};

// Pending event pairs resolved at once when profiling: keeps the pool of events small (a profiled
// sampling run that grew it to 40,000 events crashed inside the driver at exit).
constexpr size_t PROFILE_BATCH = 2048;

cudaEvent_t takeEvent(Ctx* c) {
    if (!c->eventPool.empty()) {
        cudaEvent_t e = c->eventPool.back();
        c->eventPool.pop_back();
        return e;
    }
    cudaEvent_t e;
    CK(cudaEventCreate(&e));
    return e;
}

void resolveProfile(Ctx* c) {
    if (c->pending.empty()) return;
    CK(cudaStreamSynchronize(c->stream));
    for (auto& p : c->pending) {
        float ms = 0;
        CK(cudaEventElapsedTime(&ms, p.a, p.b));
        auto& t = c->totals[p.op];
        t.calls++;
        t.gpuMs += ms;
        t.hostUs += p.hostUs;
        c->eventPool.push_back(p.a);
        c->eventPool.push_back(p.b);
    }
    c->pending.clear();
}

// Keeps the GPU busy for `cycles` clock cycles (exact profiling: the op behind it is enqueued meanwhile).
__global__ void spinKernel(long long cycles) {
    long long t0 = clock64();
    while (clock64() - t0 < cycles) {
    }
}

// Times one op on the stream (GPU) and on the calling thread (host), when profiling.
class Prof {
   public:
    Prof(Ctx* c, const char* op) : c_(c), op_(op) {
        if (!c->profiling || c->building) return;
        if (c->spinCycles > 0) {
            CK(cudaStreamSynchronize(c->stream));
            spinKernel<<<1, 1, 0, c->stream>>>(c->spinCycles);
        }
        a_ = takeEvent(c);
        CK(cudaEventRecord(a_, c->stream));
        t0_ = std::chrono::steady_clock::now();
    }
    ~Prof() {
        if (!c_->profiling || !a_) return;
        double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0_).count();
        cudaEvent_t b = nullptr;
        try {
            b = takeEvent(c_);
        } catch (const Err&) {
            return;
        }
        cudaEventRecord(b, c_->stream);
        c_->pending.push_back({op_, a_, b, us});
        if (c_->pending.size() >= PROFILE_BATCH) {
            try {
                resolveProfile(c_);
            } catch (const Err&) {
            }
        }
    }

   private:
    Ctx* c_;
    const char* op_;
    cudaEvent_t a_ = nullptr;
    std::chrono::steady_clock::time_point t0_;
};

Ctx* ctxOf(jlong h) {
    return reinterpret_cast<Ctx*>(h);
}

void enter(Ctx* c) {
    if (c->device != 0) CK(cudaSetDevice(c->device));
}

void* grow(Ctx* c, DevBuf& b, size_t bytes) {
    if (bytes == 0) bytes = 4;
    if (b.cap < bytes) {
        if (c->building) throw Err{"a scratch buffer would have to grow while a step is recorded"};
        c->generation++;             // recorded steps that use scratch memory are stale now
        if (b.p) CK(cudaFree(b.p));  // implicitly waits for work that may still read it
        b.p = nullptr;
        b.cap = 0;
        b.valid = false;
        size_t want = bytes + bytes / 4;
        CK(cudaMalloc(&b.p, want));
        b.cap = want;
    }
    return b.p;
}

void release(DevBuf& b) {
    if (b.p) cudaFree(b.p);
    b.p = nullptr;
    b.cap = 0;
    b.valid = false;
}

// Copies host bytes to the role's device buffer through the next pinned staging buffer. Stream
// order keeps earlier kernels reading the old contents safe; the staging buffer is reused only
// after the event recorded behind its copy. Unchanged contents are not copied again (the KV-cache
// step passes the same slots and positions to every layer).
void* upload(Ctx* c, Role role, const void* src, size_t bytes) {
    if (c->building) {
        StepGraph* g = c->building;
        int k = role == R_TOKENS ? 0 : role == R_POSITIONS ? 1 : role == R_SLOTS ? 2 : -1;
        if (k < 0) throw Err{"this op takes host inputs that a recorded step cannot replay"};
        if (bytes != (size_t)g->rows * 4) throw Err{"a recorded step's inputs must have one entry per row"};
        if (!g->uploaded[k]) {
            memcpy(g->pinned[k], src, bytes);
            CK(cudaMemcpyAsync(g->dev[k], g->pinned[k], bytes, cudaMemcpyHostToDevice, c->stream));
            g->uploaded[k] = true;
        }
        return g->dev[k];
    }
    DevBuf& d = c->roles[role];
    if (d.valid && d.shadow.size() == bytes && d.cap >= bytes && memcmp(d.shadow.data(), src, bytes) == 0) {
        return d.p;
    }
    grow(c, d, bytes);
    Staging& s = c->ring[c->ringNext];
    c->ringNext = (c->ringNext + 1) % RING;
    CK(cudaEventSynchronize(s.done));
    if (s.cap < bytes) {
        if (s.host) CK(cudaFreeHost(s.host));
        s.host = nullptr;
        s.cap = 0;
        size_t want = bytes < 4096 ? 4096 : bytes + bytes / 4;
        CK(cudaMallocHost(&s.host, want));
        s.cap = want;
    }
    memcpy(s.host, src, bytes);
    CK(cudaMemcpyAsync(d.p, s.host, bytes, cudaMemcpyHostToDevice, c->stream));
    CK(cudaEventRecord(s.done, c->stream));
    d.shadow.assign(static_cast<const char*>(src), static_cast<const char*>(src) + bytes);
    d.valid = true;
    return d.p;
}

// Device -> host through a pinned buffer of at most 64 MiB, chunk by chunk; waits for the stream.
void download(Ctx* c, void* dst, const void* devSrc, size_t bytes) {
    const size_t limit = (size_t)64 << 20;
    size_t want = bytes < limit ? bytes : limit;
    if (want < 65536) want = 65536;
    if (c->pinnedOutCap < want) {
        if (c->pinnedOut) CK(cudaFreeHost(c->pinnedOut));
        c->pinnedOut = nullptr;
        c->pinnedOutCap = 0;
        CK(cudaMallocHost(&c->pinnedOut, want));
        c->pinnedOutCap = want;
    }
    for (size_t done = 0; done < bytes;) {
        size_t part = bytes - done < c->pinnedOutCap ? bytes - done : c->pinnedOutCap;
        CK(cudaMemcpyAsync(c->pinnedOut, static_cast<const char*>(devSrc) + done, part, cudaMemcpyDeviceToHost,
                           c->stream));
        CK(cudaStreamSynchronize(c->stream));
        memcpy(static_cast<char*>(dst) + done, c->pinnedOut, part);
        done += part;
    }
}

// Launches a kernel templated on its index type: 32-bit indices (cheap division) when the
// element count allows, else 64-bit.
#define LAUNCH_IDX(total, kernel, grid, block, stream, ...)                  \
    do {                                                                     \
        if ((size_t)(total) < (size_t)0x7fffffff)                            \
            kernel<unsigned><<<(grid), (block), 0, (stream)>>>(__VA_ARGS__); \
        else                                                                 \
            kernel<size_t><<<(grid), (block), 0, (stream)>>>(__VA_ARGS__);   \
    } while (0)

int gridFor(Ctx* c, size_t n, int threads) {
    size_t blocks = (n + threads - 1) / threads;
    size_t cap = (size_t)c->sms * 32;
    if (blocks > cap) blocks = cap;
    if (blocks < 1) blocks = 1;
    return (int)blocks;
}

template <typename T>
T* ptr(jlong p) {
    return reinterpret_cast<T*>(static_cast<uintptr_t>(p));
}

// ------------------------------------------------------------------------------------------ JNI plumbing

void throwJava(JNIEnv* env, const char* op, const std::string& msg) {
    if (env->ExceptionCheck()) return;
    jclass cls = env->FindClass("java/lang/IllegalStateException");
    if (cls) env->ThrowNew(cls, (std::string("CUDA ") + op + ": " + msg).c_str());
}

// A Java primitive array pinned for the duration of a native call (no JNI calls meanwhile).
class Critical {
   public:
    Critical(JNIEnv* env, jarray a, bool writeBack) : env_(env), a_(a), mode_(writeBack ? 0 : JNI_ABORT) {
        p_ = a ? env->GetPrimitiveArrayCritical(a, nullptr) : nullptr;
        if (a && !p_) throw Err{"cannot access a Java array"};
    }
    ~Critical() {
        if (p_) env_->ReleasePrimitiveArrayCritical(a_, p_, mode_);
    }
    template <typename T>
    T* get() const {
        return static_cast<T*>(p_);
    }

   private:
    JNIEnv* env_;
    jarray a_;
    void* p_;
    jint mode_;
};

// n elements of a Java primitive array to the role's device buffer (see upload()).
template <typename T>
const T* uploadArray(Ctx* c, JNIEnv* env, Role role, jarray a, int n) {
    Critical in(env, a, false);
    return static_cast<const T*>(upload(c, role, in.get<T>(), (size_t)n * sizeof(T)));
}

#define BEGIN try {
#define END(op, ret)                                      \
    }                                                     \
    catch (const Err& e) {                                \
        throwJava(env, op, e.msg);                        \
        return ret;                                       \
    }                                                     \
    catch (const std::exception& e) {                     \
        throwJava(env, op, e.what());                     \
        return ret;                                       \
    }
#define END_VOID(op)                  \
    }                                 \
    catch (const Err& e) {            \
        throwJava(env, op, e.msg);    \
    }                                 \
    catch (const std::exception& e) { \
        throwJava(env, op, e.what()); \
    }

// The start of an op: its context as `var`, the device made current, the op timed when profiling.
#define OP(var, name)       \
    Ctx* var = ctxOf(h);    \
    enter(var);             \
    Prof prof_(var, name)

#define JNI_FN(ret, name) extern "C" JNIEXPORT ret JNICALL Java_dev_cohort_trainer_internal_backend_CudaNative_##name

// ------------------------------------------------------------------------------------------ reductions

#include "reduce.cuh"

// ------------------------------------------------------------------------------------------ pointwise kernels

#include "pointwise.cuh"

// ------------------------------------------------------------------------------------------ embedding

#include "embedding.cuh"

// ------------------------------------------------------------------------------------------ layer norm

#include "layer_norm.cuh"
#include "rms_norm.cuh"
#include "rope.cuh"
#include "swiglu.cuh"

// ------------------------------------------------------------------------------------------ matmul

// out[r * ld + j] = bias[j]
template <typename I>
__global__ void biasFillKernel(float* out, const float* bias, int n, int oc, int ld) {
    size_t total = (size_t)n * oc;
    for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < (I)total; i += (I)gridDim.x * blockDim.x) {
        I r = i / (I)oc, j = i % (I)oc;
        out[(size_t)r * ld + j] = bias[j];
    }
}

// out (n, oc) = bias + the sum of `splits` partial products (n, oc), in order: the second half of a
// few-row product split along K (matmulForward).
template <typename I>
__global__ void splitReduceKernel(float* out, const float* part, const float* bias, int splits, int n, int oc) {
    size_t total = (size_t)n * oc;
    for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < (I)total; i += (I)gridDim.x * blockDim.x) {
        float acc = bias ? bias[i % (I)oc] : 0.0f;
        for (int k = 0; k < splits; k++) acc += part[(size_t)k * total + i];
        out[i] = acc;
    }
}

// dst[r * ldDst + j] = src[r * ldSrc + j] for j < cols
template <typename I>
__global__ void copyRowsKernel(float* dst, int ldDst, const float* src, int ldSrc, int rows, int cols) {
    size_t total = (size_t)rows * cols;
    for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < (I)total; i += (I)gridDim.x * blockDim.x) {
        I r = i / (I)cols, j = i % (I)cols;
        dst[(size_t)r * ldDst + j] = src[(size_t)r * ldSrc + j];
    }
}

// dbias[j] += sum over rows of dout[r, j]; blocks of 32 columns x a chunk of rows.
__global__ void biasBackwardKernel(float* dbias, const float* dout, int n, int oc, int rowsPerChunk) {
    __shared__ float sh[8][33];
    int col = blockIdx.x * 32 + threadIdx.x;
    int r0 = blockIdx.y * rowsPerChunk;
    int r1 = min(n, r0 + rowsPerChunk);
    float acc = 0.0f;
    if (col < oc)
        for (int r = r0 + threadIdx.y; r < r1; r += 8) acc += dout[(size_t)r * oc + col];
    sh[threadIdx.y][threadIdx.x] = acc;
    __syncthreads();
    if (threadIdx.y == 0 && col < oc) {
        float s = 0.0f;
        for (int k = 0; k < 8; k++) s += sh[k][threadIdx.x];
        atomicAdd(&dbias[col], s);
    }
}

// Own fp32 GEMM, row-major: C = alpha op(A) op(B) + beta C, op(A) M x K, op(B) K x N, batched by
// blockIdx.z with element strides. 64 x 64 tiles, K-steps of 16, 256 threads with 4 x 4 outputs.
constexpr int GBM = 64, GBN = 64, GBK = 16;

__global__ void __launch_bounds__(256) gemmKernel(bool ta, bool tb, int M, int N, int K, float alpha,
                                                  const float* A, int lda, long long sA, const float* B, int ldb,
                                                  long long sB, float beta, float* C, int ldc, long long sC) {
    __shared__ __align__(16) float As[GBK][GBM];
    __shared__ __align__(16) float Bs[GBK][GBN];
    A += blockIdx.z * sA;
    B += blockIdx.z * sB;
    C += blockIdx.z * sC;
    int m0 = blockIdx.y * GBM, n0 = blockIdx.x * GBN;
    int tid = threadIdx.x;
    int ty = tid / 16, tx = tid % 16;
    float acc[4][4] = {};
    for (int k0 = 0; k0 < K; k0 += GBK) {
#pragma unroll
        for (int r = 0; r < 4; r++) {
            int e = tid + 256 * r;
            int m, k;
            if (!ta) {
                m = e / GBK;
                k = e % GBK;
            } else {
                k = e / GBM;
                m = e % GBM;
            }
            int gi = m0 + m, gk = k0 + k;
            float v = 0.0f;
            if (gi < M && gk < K) v = ta ? A[(size_t)gk * lda + gi] : A[(size_t)gi * lda + gk];
            As[k][m] = v;
            int n;
            if (!tb) {
                k = e / GBN;
                n = e % GBN;
            } else {
                n = e / GBK;
                k = e % GBK;
            }
            int gj = n0 + n;
            gk = k0 + k;
            v = 0.0f;
            if (gj < N && gk < K) v = tb ? B[(size_t)gj * ldb + gk] : B[(size_t)gk * ldb + gj];
            Bs[k][n] = v;
        }
        __syncthreads();
#pragma unroll
        for (int k = 0; k < GBK; k++) {
            float4 a = *reinterpret_cast<const float4*>(&As[k][ty * 4]);
            float4 b = *reinterpret_cast<const float4*>(&Bs[k][tx * 4]);
            float av[4] = {a.x, a.y, a.z, a.w};
            float bv[4] = {b.x, b.y, b.z, b.w};
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
        }
        __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 4; i++) {
        int gi = m0 + ty * 4 + i;
        if (gi >= M) continue;
#pragma unroll
        for (int j = 0; j < 4; j++) {
            int gj = n0 + tx * 4 + j;
            if (gj >= N) continue;
            float* out = &C[(size_t)gi * ldc + gj];
            *out = beta == 0.0f ? alpha * acc[i][j] : alpha * acc[i][j] + beta * *out;
        }
    }
}

// Row-major GEMM on cuBLAS (column-major: computes C^T = op(B)^T op(A)^T) or the own kernel.
// Precision 2 (BF16) applies to the linear layers only (gemmBf16); here it means TF32.
void gemm(Ctx* c, bool ta, bool tb, int M, int N, int K, float alpha, const float* A, int lda, long long sA,
          const float* B, int ldb, long long sB, float beta, float* C, int ldc, long long sC, int batch) {
    if (M <= 0 || N <= 0 || batch <= 0) return;
    if (c->useCublas) {
        int compute = c->precision == 0 ? CUBLAS_COMPUTE_32F : CUBLAS_COMPUTE_32F_FAST_TF32;
        int st = c->cublas.gemm(c->cublas.handle, tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N, N,
                                M, K, &alpha, B, CUDA_R_32F, ldb, sB, A, CUDA_R_32F, lda, sA, &beta, C, CUDA_R_32F,
                                ldc, sC, batch, compute, CUBLAS_GEMM_DEFAULT);
        if (st != 0) {
            char buf[256];
            snprintf(buf, sizeof buf, "cublasGemmStridedBatchedEx(M=%d, N=%d, K=%d, batch=%d) returned status %d", M,
                     N, K, batch, st);
            throw Err{buf};
        }
        return;
    }
    dim3 grid((N + GBN - 1) / GBN, (M + GBM - 1) / GBM, batch);
    gemmKernel<<<grid, 256, 0, c->stream>>>(ta, tb, M, N, K, alpha, A, lda, sA, B, ldb, sB, beta, C, ldc, sC);
    LAUNCHED("gemm");
}

// dst[r * ldDst + j] = bf16(src[r * cols + j])
template <typename I>
__global__ void toBf16Kernel(__nv_bfloat16* dst, int ldDst, const float* src, int rows, int cols) {
    size_t total = (size_t)rows * cols;
    for (I i = blockIdx.x * (I)blockDim.x + threadIdx.x; i < (I)total; i += (I)gridDim.x * blockDim.x) {
        I r = i / (I)cols, j = i % (I)cols;
        dst[(size_t)r * ldDst + j] = __float2bfloat16(src[i]);
    }
}

// A bf16 copy (round to nearest even) of a rows x cols matrix, rows ldDst apart, in buf.
const __nv_bfloat16* bf16(Ctx* c, DevBuf& buf, const float* src, int rows, int cols, int ldDst) {
    auto* d = static_cast<__nv_bfloat16*>(grow(c, buf, (size_t)rows * ldDst * sizeof(__nv_bfloat16)));
    LAUNCH_IDX((size_t)rows * cols, toBf16Kernel, gridFor(c, (size_t)rows * cols, 256), 256,
               c->stream, d, ldDst, src, rows, cols);
    LAUNCHED("bf16 conversion");
    return d;
}

// Leading dimension for a matrix of `cols` columns that tensor-core kernels read with 16-byte
// accesses: GPT-2's vocabulary (50257) is odd, and cuBLAS falls back to slow kernels for it.
// Measured on an H200 (docs/benchmarks.md): the padded copy pays off in the LM head's backward
// (two products read dlogits) but not in its forward (2026-11-27: bf16 step 50.0 -> 51.3 ms).

// How many pieces along K a forward product of n rows is split into (1: not split). Only for few
// rows: assuming output tiles of about 128 x 64, enough pieces to give every multiprocessor a
// tile, each piece at least 128 deep, at most 8, dividing K evenly.
int splitsFor(Ctx* c, int n, int oc, int k) {
    if (n > 128) return 1;
    long long tiles = (long long)((oc + 127) / 128) * ((n + 63) / 64);
    int want = (int)std::min<long long>(8, std::max<long long>(1, (c->sms + tiles - 1) / tiles));
    int s = std::min(want, k / 128);
    while (s > 1 && k % s != 0) s--;
    return std::max(1, s);
}

int alignedLd(int cols) {
    return cols % 8 == 0 ? cols : (cols + 63) / 64 * 64;
}

// Row-major C (fp32) = op(A) op(B) + beta C with bf16 operands and fp32 accumulation (cuBLAS).
void gemmBf16(Ctx* c, bool ta, bool tb, int M, int N, int K, const __nv_bfloat16* A, int lda,
              const __nv_bfloat16* B, int ldb, float beta, float* C, int ldc) {
    float alpha = 1.0f;
    int st = c->cublas.gemm(c->cublas.handle, tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N, N, M, K,
                            &alpha, B, CUDA_R_16BF, ldb, 0, A, CUDA_R_16BF, lda, 0, &beta, C, CUDA_R_32F, ldc, 0, 1,
                            CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
    if (st != 0) {
        char buf[256];
        snprintf(buf, sizeof buf, "cublasGemmStridedBatchedEx bf16 (M=%d, N=%d, K=%d) returned status %d", M, N, K, st);
        throw Err{buf};
    }
}

bool linearBf16(Ctx* c) {
    return c->useCublas && c->precision == 2;
}

// Whether a forward product of n rows takes bf16 operands. At most 128 rows (a decoding step) it
// runs in TF32 instead: rounding the whole weight matrix to bf16 for a few rows reads and writes
// more memory than the product itself.
bool forwardBf16(Ctx* c, int n) {
    return linearBf16(c) && n > 128;
}

// ------------------------------------------------------------------------------------------ attention

#include "attention.cuh"
#include "kv_attention.cuh"

// ------------------------------------------------------------------------------------------ fused attention

#include "fused_attention.cuh"
#include "few_rows_gemm.cuh"


bool fusedAttentionFor(Ctx* c, int hs) {
    return c->fusedAttention && c->useCublas && c->precision != 0 && fa::supported(hs);
}

// ------------------------------------------------------------------------------------------ log-probs

#include "logprobs.cuh"

// ------------------------------------------------------------------------------------------ sampling

#include "sampling.cuh"

// ------------------------------------------------------------------------------------------ cuBLAS loading

std::string loadCublas(Ctx* c, const std::string& path) {
    std::vector<std::string> names;
    if (!path.empty()) {
        names.push_back(path);
    } else {
        names = {"libcublas.so.13", "libcublas.so.12", "libcublas.so"};
    }
    std::string errors;
    for (const auto& n : names) {
        void* lib = dlopen(n.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!lib) {
            const char* e = dlerror();
            errors += (errors.empty() ? "" : "; ") + std::string(e ? e : n.c_str());
            continue;
        }
        auto create = (CublasCreate)dlsym(lib, "cublasCreate_v2");
        auto destroy = (CublasDestroy)dlsym(lib, "cublasDestroy_v2");
        auto setStream = (CublasSetStream)dlsym(lib, "cublasSetStream_v2");
        auto getVersion = (CublasGetVersion)dlsym(lib, "cublasGetVersion_v2");
        auto gemmEx = (CublasGemmStridedBatchedEx)dlsym(lib, "cublasGemmStridedBatchedEx");
        if (!create || !destroy || !setStream || !gemmEx) {
            errors += "; " + n + " lacks cublasCreate_v2/cublasGemmStridedBatchedEx";
            dlclose(lib);
            continue;
        }
        void* handle = nullptr;
        int st = create(&handle);
        if (st != 0) {
            errors += "; cublasCreate from " + n + " returned status " + std::to_string(st);
            dlclose(lib);
            continue;
        }
        setStream(handle, c->stream);
        // a fixed workspace, so that cuBLAS allocates nothing while a step is recorded
        auto setWorkspace = (CublasSetWorkspace)dlsym(lib, "cublasSetWorkspace_v2");
        if (setWorkspace && cudaMalloc(&c->cublasWorkspace, (size_t)32 << 20) == cudaSuccess &&
            setWorkspace(handle, c->cublasWorkspace, (size_t)32 << 20) == 0) {
            c->graphsOk = true;
        } else {
            cudaGetLastError();
        }
        int version = 0;
        if (getVersion) getVersion(handle, &version);
        c->cublas.lib = lib;
        c->cublas.handle = handle;
        c->cublas.destroy = destroy;
        c->cublas.gemm = gemmEx;
        c->cublas.version = version;
        c->cublas.path = n;
        return "";
    }
    return errors;
}

void destroyCtx(Ctx* c) {
    if (c->stream) cudaStreamSynchronize(c->stream);
    if (c->building) {
        cudaGraph_t g = nullptr;
        cudaStreamEndCapture(c->stream, &g);
        if (g) cudaGraphDestroy(g);
        freeGraph(c->building);
        c->building = nullptr;
    }
    if (c->cublas.handle) c->cublas.destroy(c->cublas.handle);
    if (c->cublasWorkspace) cudaFree(c->cublasWorkspace);
    if (c->cublas.lib) dlclose(c->cublas.lib);
    for (auto& s : c->ring) {
        if (s.host) cudaFreeHost(s.host);
        if (s.done) cudaEventDestroy(s.done);
    }
    for (auto& p : c->pending) {
        cudaEventDestroy(p.a);
        cudaEventDestroy(p.b);
    }
    for (auto e : c->eventPool) cudaEventDestroy(e);
    for (auto& r : c->roles) release(r);
    release(c->bfA);
    release(c->bfB);
    release(c->bfC);
    release(c->padded);
    release(c->splitK);
    release(c->normScratch);
    release(c->attScratch);
    release(c->partial);
    release(c->outF);
    release(c->outI);
    release(c->exps);
    release(c->keys);
    release(c->sum);
    if (c->pinnedOut) cudaFreeHost(c->pinnedOut);
    if (c->stream) cudaStreamDestroy(c->stream);
    delete c;
}

const char* precisionName(int p) {
    return p == 1 ? "TF32" : p == 2 ? "BF16 operands in the linear layers, TF32 in attention" : "fp32";
}

}  // namespace

// ========================================================================================== JNI

JNI_FN(jint, abi)(JNIEnv*, jclass) {
    return ABI_VERSION;
}

JNI_FN(jint, deviceCount)(JNIEnv* env, jclass) {
    BEGIN
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e == cudaErrorInsufficientDriver || e == cudaErrorNoDevice) {
        // the runtime says "driver version is insufficient" also when there is no driver at all
        void* driver = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
        if (!driver) {
            const char* why = dlerror();
            cudaGetLastError();
            throw Err{std::string("no NVIDIA driver on this machine (libcuda.so.1 cannot be loaded: ") +
                      (why ? why : "not found") + ")"};
        }
        dlclose(driver);
    }
    if (e != cudaSuccess) fail("cudaGetDeviceCount", e);
    return n;
    END("deviceCount", 0)
}

JNI_FN(jstring, deviceInfo)(JNIEnv* env, jclass, jint device) {
    BEGIN
    cudaDeviceProp p;
    CK(cudaGetDeviceProperties(&p, device));
    char buf[512];
    snprintf(buf, sizeof buf, "%s|%d.%d|%zu|%d", p.name, p.major, p.minor, p.totalGlobalMem, p.multiProcessorCount);
    return env->NewStringUTF(buf);
    END("deviceInfo", nullptr)
}

JNI_FN(jlong, create)(JNIEnv* env, jclass, jint device, jint gemmMode, jint precision, jstring cublasPath,
                      jint features) {
    Ctx* c = nullptr;
    BEGIN
    std::string path;
    if (cublasPath) {
        const char* s = env->GetStringUTFChars(cublasPath, nullptr);
        if (s) {
            path = s;
            env->ReleaseStringUTFChars(cublasPath, s);
        }
    }
    c = new Ctx();
    const char* prof = getenv("COHORT_CUDA_PROFILE");
    c->profiling = prof && *prof && strcmp(prof, "0") != 0;
    c->device = device;
    c->precision = precision;
    c->fusedAttention = (features & 1) != 0;
    c->fewRowsGemm = (features & 2) != 0;
    c->bf16Kv = (features & 4) != 0;
    CK(cudaSetDevice(device));
    if (c->profiling && strcmp(prof, "exact") == 0) {
        int khz = 0;  // 200 us of spinning covers the host's enqueueing of any one op
        CK(cudaDeviceGetAttribute(&khz, cudaDevAttrClockRate, device));
        c->spinCycles = (long long)khz * 200 / 1000;
    }
    CK(cudaDeviceGetAttribute(&c->sms, cudaDevAttrMultiProcessorCount, device));
    CK(cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking));
    for (auto& s : c->ring) CK(cudaEventCreateWithFlags(&s.done, cudaEventDisableTiming));
    std::string why;
    if (gemmMode == 0) {
        why = "own kernels requested";
        c->graphsOk = true;
    } else {
        why = loadCublas(c, path);
        c->useCublas = why.empty();
        if (!c->useCublas) c->graphsOk = true;  // own kernels
        if (!c->useCublas && gemmMode == 1) throw Err{"cuBLAS requested but not loadable: " + why};
    }
    if (c->useCublas) {
        c->gemmInfo = "cuBLAS " + std::to_string(c->cublas.version) + " (" + c->cublas.path + "), " +
                      precisionName(precision);
        if (c->fusedAttention && precision != 0) c->gemmInfo += ", fused TF32 attention (head size 64)";
        if (c->fewRowsGemm && precision != 0) c->gemmInfo += ", own TF32 kernel for products of <= 128 rows";
    } else {
        c->gemmInfo = std::string("own fp32 kernels") + (precision != 0 ? " (TF32/BF16 need cuBLAS)" : "") +
                      "; cuBLAS not used: " + why;
    }
    if (c->bf16Kv) c->gemmInfo += "; bf16 KV cache";
    return reinterpret_cast<jlong>(c);
    }
    catch (const Err& e) {
        if (c) destroyCtx(c);
        throwJava(env, "create", e.msg);
        return 0;
    }
}

JNI_FN(jboolean, fusedAttention)(JNIEnv*, jclass, jlong h, jint headSize) {
    return fusedAttentionFor(ctxOf(h), headSize) ? JNI_TRUE : JNI_FALSE;
}

JNI_FN(jstring, gemmInfo)(JNIEnv* env, jclass, jlong h) {
    return env->NewStringUTF(ctxOf(h)->gemmInfo.c_str());
}

JNI_FN(jboolean, graphBegin)(JNIEnv* env, jclass, jlong h, jint rows) {
    StepGraph* g = nullptr;
    BEGIN
    Ctx* c = ctxOf(h);
    enter(c);
    if (!c->graphsOk || rows <= 0) return JNI_FALSE;
    if (c->building) throw Err{"a step is already being recorded"};
    g = new StepGraph();
    g->rows = rows;
    for (int k = 0; k < 3; k++) {
        CK(cudaMallocHost(&g->pinned[k], (size_t)rows * 4));
        CK(cudaMalloc(&g->dev[k], (size_t)rows * 4));
    }
    CK(cudaEventCreateWithFlags(&g->done, cudaEventDisableTiming));
    CK(cudaStreamBeginCapture(c->stream, cudaStreamCaptureModeRelaxed));
    c->building = g;
    return JNI_TRUE;
    }
    catch (const Err& e) {
        freeGraph(g);
        throwJava(env, "graphBegin", e.msg);
        return JNI_FALSE;
    }
}

JNI_FN(jlong, graphEnd)(JNIEnv* env, jclass, jlong h) {
    BEGIN
    Ctx* c = ctxOf(h);
    enter(c);
    StepGraph* g = c->building;
    if (!g) throw Err{"no step is being recorded"};
    c->building = nullptr;
    cudaGraph_t graph = nullptr;
    cudaError_t e = cudaStreamEndCapture(c->stream, &graph);
    if (e != cudaSuccess || !graph) {
        if (graph) cudaGraphDestroy(graph);
        cudaGetLastError();
        freeGraph(g);
        fail("cudaStreamEndCapture", e != cudaSuccess ? e : cudaErrorStreamCaptureInvalidated);
    }
    cudaGraphExec_t exec = nullptr;
    e = cudaGraphInstantiate(&exec, graph, 0);
    cudaGraphDestroy(graph);
    if (e != cudaSuccess) {
        cudaGetLastError();
        freeGraph(g);
        fail("cudaGraphInstantiate", e);
    }
    g->exec = exec;
    g->generation = c->generation;
    return (jlong) reinterpret_cast<uintptr_t>(g);
    END("graphEnd", 0)
}

JNI_FN(jboolean, graphLaunch)(JNIEnv* env, jclass, jlong h, jlong gh, jintArray tokens, jintArray positions,
                              jintArray slots, jint n) {
    BEGIN
    OP(c, "recorded step");
    StepGraph* g = reinterpret_cast<StepGraph*>(static_cast<uintptr_t>(gh));
    if (g->generation != c->generation) return JNI_FALSE;
    if (n != g->rows) {
        throw Err{"recorded for " + std::to_string(g->rows) + " rows, launched with " + std::to_string(n)};
    }
    CK(cudaEventSynchronize(g->done));
    env->GetIntArrayRegion(tokens, 0, n, g->pinned[0]);
    env->GetIntArrayRegion(positions, 0, n, g->pinned[1]);
    env->GetIntArrayRegion(slots, 0, n, g->pinned[2]);
    if (env->ExceptionCheck()) return JNI_FALSE;
    CK(cudaGraphLaunch(g->exec, c->stream));
    CK(cudaEventRecord(g->done, c->stream));
    return JNI_TRUE;
    END("graphLaunch", JNI_FALSE)
}

JNI_FN(void, graphFree)(JNIEnv* env, jclass, jlong h, jlong gh) {
    BEGIN
    Ctx* c = ctxOf(h);
    enter(c);
    freeGraph(reinterpret_cast<StepGraph*>(static_cast<uintptr_t>(gh)));
    END_VOID("graphFree")
}

JNI_FN(jstring, profile)(JNIEnv* env, jclass, jlong h) {
    BEGIN
    Ctx* c = ctxOf(h);
    enter(c);
    if (!c->profiling) return env->NewStringUTF("");
    resolveProfile(c);
    std::vector<std::pair<std::string, Ctx::Total>> rows(c->totals.begin(), c->totals.end());
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.gpuMs > b.second.gpuMs; });
    double gpu = 0, host = 0;
    for (auto& r : rows) {
        gpu += r.second.gpuMs;
        host += r.second.hostUs / 1000.0;
    }
    std::string out = c->spinCycles > 0 ? "exact profile: each op's kernels alone, queued behind a spin kernel\n" : "";
    out += "op                              calls   GPU ms   GPU %  host us/call\n";
    char line[256];
    for (auto& r : rows) {
        snprintf(line, sizeof line, "%-30s %6ld %8.2f %6.1f %10.1f\n", r.first.c_str(), r.second.calls,
                 r.second.gpuMs, gpu > 0 ? 100.0 * r.second.gpuMs / gpu : 0.0,
                 r.second.calls ? r.second.hostUs / r.second.calls : 0.0);
        out += line;
    }
    snprintf(line, sizeof line, "total GPU %.2f ms, host time inside the ops %.2f ms\n", gpu, host);
    out += line;
    c->totals.clear();
    return env->NewStringUTF(out.c_str());
    END("profile", nullptr)
}

JNI_FN(void, destroy)(JNIEnv* env, jclass, jlong h) {
    BEGIN
    // not OP: its profiling timer would record on the stream and touch the context after they are gone
    Ctx* c = ctxOf(h);
    enter(c);
    destroyCtx(c);
    END_VOID("destroy")
}

JNI_FN(jlong, malloc)(JNIEnv* env, jclass, jlong h, jlong bytes) {
    BEGIN
    Ctx* c = ctxOf(h);
    enter(c);
    void* p = nullptr;
    cudaError_t e = cudaMalloc(&p, (size_t)bytes);
    if (e != cudaSuccess) {
        size_t freeB = 0, totalB = 0;
        cudaGetLastError();
        cudaMemGetInfo(&freeB, &totalB);
        char buf[256];
        snprintf(buf, sizeof buf, "cannot allocate %lld bytes (%zu of %zu free)", (long long)bytes, freeB, totalB);
        fail(buf, e);
    }
    return (jlong) reinterpret_cast<uintptr_t>(p);
    END("malloc", 0)
}

JNI_FN(void, free)(JNIEnv* env, jclass, jlong h, jlong p) {
    BEGIN
    Ctx* c = ctxOf(h);
    enter(c);
    CK(cudaFree(ptr<void>(p)));
    END_VOID("free")
}

JNI_FN(void, synchronize)(JNIEnv* env, jclass, jlong h) {
    BEGIN
    Ctx* c = ctxOf(h);
    enter(c);
    CK(cudaStreamSynchronize(c->stream));
    END_VOID("synchronize")
}

JNI_FN(void, write)(JNIEnv* env, jclass, jlong h, jlong dst, jfloatArray src, jint n) {
    BEGIN
    OP(c, "write");
    size_t bytes = (size_t)n * 4;
    std::vector<float> tmp(n);
    env->GetFloatArrayRegion(src, 0, n, tmp.data());
    CK(cudaMemcpyAsync(ptr<void>(dst), tmp.data(), bytes, cudaMemcpyHostToDevice, c->stream));
    CK(cudaStreamSynchronize(c->stream));
    END_VOID("write")
}

JNI_FN(void, read)(JNIEnv* env, jclass, jlong h, jlong src, jfloatArray dst, jint n) {
    BEGIN
    OP(c, "read");
    std::vector<float> tmp(n);
    download(c, tmp.data(), ptr<void>(src), (size_t)n * 4);
    env->SetFloatArrayRegion(dst, 0, n, tmp.data());
    END_VOID("read")
}

JNI_FN(void, zero)(JNIEnv* env, jclass, jlong h, jlong p, jlong n) {
    BEGIN
    OP(c, "zero");
    CK(cudaMemsetAsync(ptr<void>(p), 0, (size_t)n * 4, c->stream));
    END_VOID("zero")
}

JNI_FN(void, accumulate)(JNIEnv* env, jclass, jlong h, jlong dst, jlong src, jlong n) {
    BEGIN
    OP(c, "accumulate");
    accumulateKernel<<<gridFor(c, n, 256), 256, 0, c->stream>>>(ptr<float>(dst), ptr<float>(src), (size_t)n);
    LAUNCHED("accumulate");
    END_VOID("accumulate")
}

JNI_FN(void, scale)(JNIEnv* env, jclass, jlong h, jlong p, jlong n, jfloat s) {
    BEGIN
    OP(c, "scale");
    scaleKernel<<<gridFor(c, n, 256), 256, 0, c->stream>>>(ptr<float>(p), (size_t)n, s);
    LAUNCHED("scale");
    END_VOID("scale")
}

JNI_FN(jdouble, sumOfSquares)(JNIEnv* env, jclass, jlong h, jlong p, jlong n) {
    BEGIN
    OP(c, "sumOfSquares");
    double* d = static_cast<double*>(grow(c, c->sum, sizeof(double)));
    CK(cudaMemsetAsync(d, 0, sizeof(double), c->stream));
    sumSquaresKernel<<<gridFor(c, n, 256), 256, 0, c->stream>>>(ptr<float>(p), (size_t)n, d);
    LAUNCHED("sumOfSquares");
    double out = 0;
    download(c, &out, d, sizeof(double));
    return out;
    END("sumOfSquares", 0.0)
}

JNI_FN(void, embeddingForward)(JNIEnv* env, jclass, jlong h, jlong out, jintArray tokens, jintArray positions,
                               jint n, jlong wte, jlong wpe, jint c) {
    BEGIN
    OP(x, "embeddingForward");
    const int* tok = uploadArray<int>(x, env, R_TOKENS, tokens, n);
    // without learned positions (wpe 0: rotary models) the positions are not read
    const int* pos = wpe ? uploadArray<int>(x, env, R_POSITIONS, positions, n) : nullptr;
    LAUNCH_IDX((size_t)n * c, embeddingForwardKernel, gridFor(x, (size_t)n * c, 256), 256,
               x->stream, ptr<float>(out), tok, pos, n, ptr<float>(wte), ptr<float>(wpe), c);
    LAUNCHED("embeddingForward");
    END_VOID("embeddingForward")
}

JNI_FN(void, embeddingBackward)(JNIEnv* env, jclass, jlong h, jlong dwte, jlong dwpe, jlong dout, jintArray tokens,
                                jintArray positions, jint n, jint c) {
    BEGIN
    OP(x, "embeddingBackward");
    const int* tok = uploadArray<int>(x, env, R_TOKENS, tokens, n);
    const int* pos = dwpe ? uploadArray<int>(x, env, R_POSITIONS, positions, n) : nullptr;
    LAUNCH_IDX((size_t)n * c, embeddingBackwardKernel, gridFor(x, (size_t)n * c, 256), 256, x->stream, 
        ptr<float>(dwte), ptr<float>(dwpe), ptr<float>(dout), tok, pos, n, c);
    LAUNCHED("embeddingBackward");
    END_VOID("embeddingBackward")
}

// out = layerNorm(inp) per row; with `add`, inp + add is normalised and written to `residual` first.
void layerNorm(Ctx* x, float* out, float* mean, float* rstd, const float* inp, const float* w, const float* b,
               int n, int c, float eps, const float* add, float* residual) {
    if (c <= 256 * 8) {
        int threads = c <= 1024 ? 128 : 256;  // up to 8 values per thread
        int per = (c + threads - 1) / threads;
        auto kernel = per <= 1 ? layerNormRowKernel<1> : per <= 2 ? layerNormRowKernel<2>
                    : per <= 4 ? layerNormRowKernel<4> : layerNormRowKernel<8>;
        kernel<<<n, threads, 0, x->stream>>>(out, mean, rstd, inp, w, b, c, eps, add, residual);
        return;
    }
    if (add) {
        size_t nc = (size_t)n * c;
        residualKernel<<<gridFor(x, nc, 256), 256, 0, x->stream>>>(residual, inp, add, nc);
        LAUNCHED("residual");
        inp = residual;
    }
    layerNormForwardKernel<<<(n + 7) / 8, 256, 0, x->stream>>>(out, mean, rstd, inp, w, b, n, c, eps);
}

JNI_FN(void, layerNormForward)(JNIEnv* env, jclass, jlong h, jlong out, jlong mean, jlong rstd, jlong inp,
                               jlong weight, jlong bias, jint n, jint c, jfloat eps) {
    BEGIN
    OP(x, "layerNormForward");
    layerNorm(x, ptr<float>(out), ptr<float>(mean), ptr<float>(rstd), ptr<float>(inp), ptr<float>(weight),
              ptr<float>(bias), n, c, eps, nullptr, nullptr);
    LAUNCHED("layerNormForward");
    END_VOID("layerNormForward")
}

JNI_FN(void, residualLayerNormForward)(JNIEnv* env, jclass, jlong h, jlong residual, jlong a, jlong b, jlong out,
                                       jlong mean, jlong rstd, jlong weight, jlong bias, jint n, jint c,
                                       jfloat eps) {
    BEGIN
    OP(x, "residualLayerNormForward");
    layerNorm(x, ptr<float>(out), ptr<float>(mean), ptr<float>(rstd), ptr<float>(a), ptr<float>(weight),
              ptr<float>(bias), n, c, eps, ptr<float>(b), ptr<float>(residual));
    LAUNCHED("residualLayerNormForward");
    END_VOID("residualLayerNormForward")
}

JNI_FN(void, layerNormBackward)(JNIEnv* env, jclass, jlong h, jlong dinp, jlong dweight, jlong dbias, jlong dout,
                                jlong inp, jlong weight, jlong mean, jlong rstd, jint n, jint c) {
    BEGIN
    OP(x, "layerNormBackward");
    size_t shared = (size_t)2 * c * sizeof(float);
    if (shared > 48 * 1024) {
        CK(cudaFuncSetAttribute(layerNormBackwardKernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)shared));
    }
    int blocks = (n + 7) / 8;
    if (blocks > x->sms * 2) blocks = x->sms * 2;
    if (blocks < 1) blocks = 1;
    layerNormBackwardKernel<<<blocks, 256, shared, x->stream>>>(ptr<float>(dinp), ptr<float>(dweight),
                                                               ptr<float>(dbias), ptr<float>(dout), ptr<float>(inp),
                                                               ptr<float>(weight), ptr<float>(mean),
                                                               ptr<float>(rstd), n, c);
    LAUNCHED("layerNormBackward");
    END_VOID("layerNormBackward")
}

JNI_FN(void, matmulForward)(JNIEnv* env, jclass, jlong h, jlong out, jlong inp, jlong weight, jlong bias, jint n,
                            jint c, jint oc, jboolean outIn) {
    BEGIN
    OP(x, oc > 8192 ? "matmulForward (lm head)" : "matmulForward");
    int ld = oc;
    float* dst = ptr<float>(out);
    int splits = forwardBf16(x, n) ? 1 : splitsFor(x, n, oc, c);
    if (splits > 1) {
        // few rows (a decoding step): the product alone would run on a handful of multiprocessors,
        // each walking all of K; as `splits` products over K / splits each, batched, the GPU fills
        // up, and one pass adds the partial products and the bias (no separate bias fill)
        int ks = c / splits;
        size_t total = (size_t)n * oc;
        float* part = static_cast<float*>(grow(x, x->splitK, (size_t)splits * total * sizeof(float)));
        if (x->fewRowsGemm && x->useCublas && x->precision != 0 && !outIn &&
            frg::fits(n, c, oc, splits, ptr<float>(inp), ptr<float>(weight))) {
            dim3 grid(oc / frg::T, (n + frg::T - 1) / frg::T, splits);
            frg::kernel<<<grid, frg::THREADS, frg::SHARED, x->stream>>>(part, ptr<float>(inp), ptr<float>(weight), n,
                                                                        c, oc, ks);
            LAUNCHED("matmulForward few rows");
        } else {
            gemm(x, false, outIn, n, oc, ks, 1.0f, ptr<float>(inp), c, ks, ptr<float>(weight), outIn ? c : oc,
                 outIn ? (long long)ks : (long long)ks * oc, 0.0f, part, oc, (long long)total, splits);
        }
        LAUNCH_IDX(total, splitReduceKernel, gridFor(x, total, 256), 256, x->stream, ptr<float>(out), part,
                   bias ? ptr<float>(bias) : nullptr, splits, n, oc);
        LAUNCHED("matmulForward split reduce");
        return;
    }
    float beta = 0.0f;
    if (bias) {
        LAUNCH_IDX((size_t)n * oc, biasFillKernel, gridFor(x, (size_t)n * oc, 256), 256,
                   x->stream, dst, ptr<float>(bias), n, oc, ld);
        LAUNCHED("matmulForward bias");
        beta = 1.0f;
    }
    // out (N, OC) = inp (N, C) . W, W (C, OC) or (OC, C) transposed. A wide product whose width is
    // not a multiple of 128 (the LM head over GPT-2's 50257 tokens) runs as one product over the
    // largest multiple of 128 outputs and one over the rest: cuBLAS then picks a faster kernel for
    // the bulk (H200, BF16: the LM head's forward 6.8 -> 4.0 ms per 8 x 1024 step; TF32 unchanged).
    int head = oc > 8192 && oc % 128 != 0 ? oc / 128 * 128 : oc;
    const __nv_bfloat16 *a16 = nullptr, *w16 = nullptr;
    if (forwardBf16(x, n)) {
        a16 = bf16(x, x->bfA, ptr<float>(inp), n, c, c);
        w16 = outIn ? bf16(x, x->bfB, ptr<float>(weight), oc, c, c) : bf16(x, x->bfB, ptr<float>(weight), c, oc, oc);
    }
    for (int o0 = 0; o0 < oc; o0 = o0 == 0 ? head : oc) {
        int width = o0 == 0 ? head : oc - head;
        size_t wOff = outIn ? (size_t)o0 * c : (size_t)o0;  // W's outputs o0..: rows (OUT_IN) or columns
        if (a16) {
            gemmBf16(x, false, outIn, n, width, c, a16, c, w16 + wOff, outIn ? c : oc, beta, dst + o0, ld);
        } else {
            gemm(x, false, outIn, n, width, c, 1.0f, ptr<float>(inp), c, 0, ptr<float>(weight) + wOff,
                 outIn ? c : oc, 0, beta, dst + o0, ld, 0, 1);
        }
    }
    END_VOID("matmulForward")
}

JNI_FN(void, matmulBackward)(JNIEnv* env, jclass, jlong h, jlong dinp, jlong dweight, jlong dbias, jlong dout,
                             jlong inp, jlong weight, jint n, jint c, jint oc, jboolean outIn) {
    BEGIN
    OP(x, oc > 8192 ? "matmulBackward (lm head)" : "matmulBackward");
    // dout with an odd number of columns (the LM head) is read through a copy with aligned rows
    int ld = alignedLd(oc);
    bool padded = ld != oc && (size_t)n * oc >= ((size_t)1 << 20);
    if (!padded) ld = oc;
    if (linearBf16(x)) {
        const __nv_bfloat16* d16 = bf16(x, x->bfA, ptr<float>(dout), n, oc, ld);
        if (dinp) {
            const __nv_bfloat16* w16 = outIn ? bf16(x, x->bfB, ptr<float>(weight), oc, c, c)
                                             : bf16(x, x->bfB, ptr<float>(weight), c, oc, oc);
            gemmBf16(x, false, !outIn, n, c, oc, d16, ld, w16, outIn ? c : oc, 1.0f, ptr<float>(dinp), c);
        }
        if (dweight) {  // a frozen weight (LoRA's base: dweight 0) gets no gradient
            const __nv_bfloat16* i16 = bf16(x, x->bfC, ptr<float>(inp), n, c, c);
            if (outIn) {
                gemmBf16(x, true, false, oc, c, n, d16, ld, i16, c, 1.0f, ptr<float>(dweight), c);
            } else {
                gemmBf16(x, true, false, c, oc, n, i16, c, d16, ld, 1.0f, ptr<float>(dweight), oc);
            }
        }
    } else {
        const float* d = ptr<float>(dout);
        if (padded) {
            float* p = static_cast<float*>(grow(x, x->padded, (size_t)n * ld * sizeof(float)));
            LAUNCH_IDX((size_t)n * oc, copyRowsKernel, gridFor(x, (size_t)n * oc, 256), 256,
                       x->stream, p, ld, d, oc, n, oc);
            LAUNCHED("matmulBackward copy");
            d = p;
        }
        if (dinp) {
            // dinp (N, C) += dout (N, OC) . W^T  (IN_OUT: W (C, OC), transposed; OUT_IN: W (OC, C))
            gemm(x, false, !outIn, n, c, oc, 1.0f, d, ld, 0, ptr<float>(weight), outIn ? c : oc, 0, 1.0f,
                 ptr<float>(dinp), c, 0, 1);
        }
        if (!dweight) {
            // a frozen weight (LoRA's base) gets no gradient
        } else if (outIn) {
            // dW (OC, C) += dout^T (OC, N) . inp (N, C)
            gemm(x, true, false, oc, c, n, 1.0f, d, ld, 0, ptr<float>(inp), c, 0, 1.0f, ptr<float>(dweight), c, 0,
                 1);
        } else {
            // dW (C, OC) += inp^T (C, N) . dout (N, OC)
            gemm(x, true, false, c, oc, n, 1.0f, ptr<float>(inp), c, 0, d, ld, 0, 1.0f, ptr<float>(dweight), oc, 0,
                 1);
        }
    }
    if (dbias) {
        int rowsPerChunk = 256;
        dim3 grid((oc + 31) / 32, (n + rowsPerChunk - 1) / rowsPerChunk);
        biasBackwardKernel<<<grid, dim3(32, 8), 0, x->stream>>>(ptr<float>(dbias), ptr<float>(dout), n, oc,
                                                               rowsPerChunk);
        LAUNCHED("matmulBackward bias");
    }
    END_VOID("matmulBackward")
}

// ------------------------------------------------------------------------------------------ LoRA

#include "lora.cuh"

// LoRA's products (lora.cuh) through gemm(): cuBLAS or the own kernel, fp32 or TF32 (BF16
// precision rounds only the frozen linear layers' operands; the adapters' thin products stay TF32).
struct LoraGemm {
    Ctx* c;
    void operator()(bool ta, bool tb, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
                    int ldb, float beta, float* C, int ldc) const {
        gemm(c, ta, tb, M, N, K, alpha, A, lda, 0, B, ldb, 0, beta, C, ldc, 0, 1);
    }
};

JNI_FN(void, loraForward)(JNIEnv* env, jclass, jlong h, jlong out, jint ldo, jint col, jlong hidden, jlong inp,
                          jlong a, jlong b, jint n, jint c, jint r, jint oc, jfloat scale) {
    BEGIN
    OP(x, "loraForward");
    loraForward(LoraGemm{x}, ptr<float>(out), ldo, col, ptr<float>(hidden), ptr<float>(inp), ptr<float>(a),
                ptr<float>(b), n, c, r, oc, scale);
    END_VOID("loraForward")
}

JNI_FN(void, loraBackward)(JNIEnv* env, jclass, jlong h, jlong dinp, jlong da, jlong db, jlong dh, jlong dout,
                           jint ldo, jint col, jlong inp, jlong hidden, jlong a, jlong b, jint n, jint c, jint r,
                           jint oc, jfloat scale) {
    BEGIN
    OP(x, "loraBackward");
    loraBackward(LoraGemm{x}, dinp ? ptr<float>(dinp) : nullptr, ptr<float>(da), ptr<float>(db), ptr<float>(dh),
                 ptr<float>(dout), ldo, col, ptr<float>(inp), ptr<float>(hidden), ptr<float>(a), ptr<float>(b), n, c,
                 r, oc, scale);
    END_VOID("loraBackward")
}

JNI_FN(void, dropout)(JNIEnv* env, jclass, jlong h, jlong out, jlong inp, jlong n, jfloat p, jlong seed,
                      jboolean backward) {
    BEGIN
    OP(x, backward ? "dropoutBackward" : "dropoutForward");
    dropout(x->stream, x->sms * 32, ptr<float>(out), ptr<float>(inp), (size_t)n, p, (uint64_t)seed, backward);
    LAUNCHED("dropout");
    END_VOID("dropout")
}

JNI_FN(void, attentionForward)(JNIEnv* env, jclass, jlong h, jlong out, jlong att, jlong qkv, jint b, jint t,
                               jint nh, jint nkv, jint hs) {
    BEGIN
    OP(x, "attentionForward");
    if (fusedAttentionFor(x, hs)) {
        CK(hs == 64 ? fa::forward<64>(x->stream, ptr<float>(out), ptr<float>(att), ptr<float>(qkv), b, t, nh, nkv)
                    : fa::forward<128>(x->stream, ptr<float>(out), ptr<float>(att), ptr<float>(qkv), b, t, nh, nkv));
        LAUNCHED("attentionForward fused");
        return;
    }
    size_t bth = (size_t)b * t * nh * hs;
    float* s = static_cast<float*>(grow(x, x->attScratch, 4 * bth * sizeof(float)));
    float *q = s, *k = s + bth, *v = s + 2 * bth, *y = s + 3 * bth;
    int cap = x->sms * 32;
    permuteQkv(x->stream, cap, q, k, v, ptr<float>(qkv), b, t, QkvHeads{nh, nkv, hs});
    LAUNCHED("attentionForward permute");
    float scale = (float)(1.0 / sqrt((double)hs));
    long long th = (long long)t * hs, tt = (long long)t * t;
    float* a = ptr<float>(att);
    // scores (T, T) = scale q k^T, per (b, h)
    gemm(x, false, true, t, t, hs, scale, q, hs, th, k, hs, th, 0.0f, a, t, tt, b * nh);
    causalSoftmax(x->stream, a, b * nh * t, t);
    LAUNCHED("attentionForward softmax");
    // y (T, HS) = att v
    gemm(x, false, false, t, hs, t, 1.0f, a, t, tt, v, hs, th, 0.0f, y, hs, th, b * nh);
    permuteHeads(x->stream, cap, ptr<float>(out), y, b, t, nh, hs, true);
    LAUNCHED("attentionForward unpermute");
    END_VOID("attentionForward")
}

JNI_FN(void, attentionBackward)(JNIEnv* env, jclass, jlong h, jlong dqkv, jlong datt, jlong dout, jlong qkv,
                                jlong att, jint b, jint t, jint nh, jint nkv, jint hs) {
    BEGIN
    OP(x, "attentionBackward");
    if (fusedAttentionFor(x, hs)) {
        // datt is not used: the probabilities are recomputed from the log-sum-exp in att
        float* delta = static_cast<float*>(grow(x, x->attScratch, (size_t)b * nh * t * sizeof(float)));
        CK(hs == 64 ? fa::backward<64>(x->stream, ptr<float>(dqkv), delta, ptr<float>(dout), ptr<float>(qkv),
                                       ptr<float>(att), b, t, nh, nkv)
                    : fa::backward<128>(x->stream, ptr<float>(dqkv), delta, ptr<float>(dout), ptr<float>(qkv),
                                        ptr<float>(att), b, t, nh, nkv));
        LAUNCHED("attentionBackward fused");
        return;
    }
    size_t bth = (size_t)b * t * nh * hs;
    float* s = static_cast<float*>(grow(x, x->attScratch, 7 * bth * sizeof(float)));
    float *q = s, *k = s + bth, *v = s + 2 * bth, *dy = s + 3 * bth, *dq = s + 4 * bth, *dk = s + 5 * bth,
          *dv = s + 6 * bth;
    int cap = x->sms * 32;
    QkvHeads heads{nh, nkv, hs};
    permuteQkv(x->stream, cap, q, k, v, ptr<float>(qkv), b, t, heads);
    LAUNCHED("attentionBackward permute");
    permuteHeads(x->stream, cap, dy, ptr<float>(dout), b, t, nh, hs, false);
    LAUNCHED("attentionBackward permute dout");
    float scale = (float)(1.0 / sqrt((double)hs));
    long long th = (long long)t * hs, tt = (long long)t * t;
    float* a = ptr<float>(att);
    float* da = ptr<float>(datt);
    int batch = b * nh;
    // datt (T, T) = dy v^T ; dv (T, HS) = att^T dy
    gemm(x, false, true, t, t, hs, 1.0f, dy, hs, th, v, hs, th, 0.0f, da, t, tt, batch);
    gemm(x, true, false, t, hs, t, 1.0f, a, t, tt, dy, hs, th, 0.0f, dv, hs, th, batch);
    causalSoftmaxBackward(x->stream, da, a, batch * t, t);
    LAUNCHED("attentionBackward softmax");
    // dq = scale dpre k ; dk = scale dpre^T q (per query head; the group's are summed below)
    gemm(x, false, false, t, hs, t, scale, da, t, tt, k, hs, th, 0.0f, dq, hs, th, batch);
    gemm(x, true, false, t, hs, t, scale, da, t, tt, q, hs, th, 0.0f, dk, hs, th, batch);
    accumulateQkv(x->stream, cap, ptr<float>(dqkv), dq, dk, dv, b, t, heads);
    LAUNCHED("attentionBackward accumulate");
    END_VOID("attentionBackward")
}

JNI_FN(void, attentionStep)(JNIEnv* env, jclass, jlong h, jlong out, jlong qkv, jlong kCache, jlong vCache,
                            jintArray slots, jintArray positions, jint n, jint nh, jint nkv, jint hs, jint maxT) {
    BEGIN
    OP(x, "attentionStep");
    const int* sl = uploadArray<int>(x, env, R_SLOTS, slots, n);
    const int* pos = uploadArray<int>(x, env, R_POSITIONS, positions, n);
    if (x->bf16Kv) {
        using B = __nv_bfloat16;
        CK(attentionStep<B>(x->stream, ptr<float>(out), ptr<float>(qkv), ptr<B>(kCache), ptr<B>(vCache), sl, pos, n,
                            nh, nkv, hs, maxT));
    } else {
        CK(attentionStep<float>(x->stream, ptr<float>(out), ptr<float>(qkv), ptr<float>(kCache), ptr<float>(vCache),
                                sl, pos, n, nh, nkv, hs, maxT));
    }
    LAUNCHED("attentionStep");
    END_VOID("attentionStep")
}

JNI_FN(void, cacheStore)(JNIEnv* env, jclass, jlong h, jlong kCache, jlong vCache, jlong qkv, jint slot, jint t,
                         jint nh, jint nkv, jint hs, jint maxT) {
    BEGIN
    OP(x, "cacheStore");
    int cap = x->sms * 32;
    if (x->bf16Kv) {
        cacheStore(x->stream, cap, ptr<__nv_bfloat16>(kCache), ptr<__nv_bfloat16>(vCache), ptr<float>(qkv), slot, t, nh,
                   nkv, hs, maxT);
    } else {
        cacheStore(x->stream, cap, ptr<float>(kCache), ptr<float>(vCache), ptr<float>(qkv), slot, t, nh, nkv, hs, maxT);
    }
    LAUNCHED("cacheStore");
    END_VOID("cacheStore")
}

// ------------------------------------------------------------------------------------------ Llama-family ops

JNI_FN(void, rmsNormForward)(JNIEnv* env, jclass, jlong h, jlong out, jlong rstd, jlong inp, jlong weight, jint n,
                             jint c, jfloat eps) {
    BEGIN
    OP(x, "rmsNormForward");
    rmsNormForward(x->stream, ptr<float>(out), ptr<float>(rstd), ptr<float>(inp), ptr<float>(weight),
                   ptr<float>(weight), rmsPlain(n, c), eps, nullptr, nullptr);
    LAUNCHED("rmsNormForward");
    END_VOID("rmsNormForward")
}

JNI_FN(void, residualRmsNormForward)(JNIEnv* env, jclass, jlong h, jlong residual, jlong a, jlong b, jlong out,
                                     jlong rstd, jlong weight, jint n, jint c, jfloat eps) {
    BEGIN
    OP(x, "residualRmsNormForward");
    rmsNormForward(x->stream, ptr<float>(out), ptr<float>(rstd), ptr<float>(a), ptr<float>(weight), ptr<float>(weight),
                   rmsPlain(n, c), eps, ptr<float>(b), ptr<float>(residual));
    LAUNCHED("residualRmsNormForward");
    END_VOID("residualRmsNormForward")
}

JNI_FN(void, rmsNormBackward)(JNIEnv* env, jclass, jlong h, jlong dinp, jlong dweight, jlong dout, jlong inp,
                              jlong weight, jlong rstd, jint n, jint c) {
    BEGIN
    OP(x, "rmsNormBackward");
    RmsRows r = rmsPlain(n, c);
    double* scratch = static_cast<double*>(grow(x, x->normScratch, rmsNormBackwardScratch(r) * sizeof(double)));
    rmsNormBackward(x->stream, ptr<float>(dinp), ptr<float>(dweight), ptr<float>(dweight), ptr<float>(dout),
                    ptr<float>(inp), ptr<float>(weight), ptr<float>(weight), ptr<float>(rstd), r, scratch);
    LAUNCHED("rmsNormBackward");
    END_VOID("rmsNormBackward")
}

JNI_FN(void, headRmsNormForward)(JNIEnv* env, jclass, jlong h, jlong out, jlong rstd, jlong qkv, jlong qWeight,
                                 jlong kWeight, jint n, jint nh, jint nkv, jint hs, jfloat eps) {
    BEGIN
    OP(x, "headRmsNormForward");
    rmsNormForward(x->stream, ptr<float>(out), ptr<float>(rstd), ptr<float>(qkv), ptr<float>(qWeight),
                   ptr<float>(kWeight), rmsHeads(n, nh, nkv, hs), eps, nullptr, nullptr);
    LAUNCHED("headRmsNormForward");
    END_VOID("headRmsNormForward")
}

JNI_FN(void, headRmsNormBackward)(JNIEnv* env, jclass, jlong h, jlong dqkv, jlong dqWeight, jlong dkWeight,
                                  jlong dout, jlong qkv, jlong qWeight, jlong kWeight, jlong rstd, jint n, jint nh,
                                  jint nkv, jint hs) {
    BEGIN
    OP(x, "headRmsNormBackward");
    RmsRows r = rmsHeads(n, nh, nkv, hs);
    double* scratch = static_cast<double*>(grow(x, x->normScratch, rmsNormBackwardScratch(r) * sizeof(double)));
    rmsNormBackward(x->stream, ptr<float>(dqkv), ptr<float>(dqWeight), ptr<float>(dkWeight), ptr<float>(dout),
                    ptr<float>(qkv), ptr<float>(qWeight), ptr<float>(kWeight), ptr<float>(rstd), r, scratch);
    LAUNCHED("headRmsNormBackward");
    END_VOID("headRmsNormBackward")
}

JNI_FN(void, ropeForward)(JNIEnv* env, jclass, jlong h, jlong out, jlong qkv, jintArray positions, jlong invFreq,
                          jint n, jint nh, jint nkv, jint hs) {
    BEGIN
    OP(x, "ropeForward");
    const int* pos = uploadArray<int>(x, env, R_POSITIONS, positions, n);
    ropeForward(x->stream, x->sms * 32, ptr<float>(out), ptr<float>(qkv), pos, ptr<float>(invFreq), n, nh, nkv, hs);
    LAUNCHED("ropeForward");
    END_VOID("ropeForward")
}

JNI_FN(void, ropeBackward)(JNIEnv* env, jclass, jlong h, jlong dqkv, jlong dout, jintArray positions, jlong invFreq,
                           jint n, jint nh, jint nkv, jint hs) {
    BEGIN
    OP(x, "ropeBackward");
    const int* pos = uploadArray<int>(x, env, R_POSITIONS, positions, n);
    ropeBackward(x->stream, x->sms * 32, ptr<float>(dqkv), ptr<float>(dout), pos, ptr<float>(invFreq), n, nh, nkv, hs);
    LAUNCHED("ropeBackward");
    END_VOID("ropeBackward")
}

JNI_FN(void, swigluForward)(JNIEnv* env, jclass, jlong h, jlong out, jlong gateUp, jint n, jint width) {
    BEGIN
    OP(x, "swigluForward");
    swigluForward(x->stream, x->sms * 32, ptr<float>(out), ptr<float>(gateUp), n, width);
    LAUNCHED("swigluForward");
    END_VOID("swigluForward")
}

JNI_FN(void, swigluBackward)(JNIEnv* env, jclass, jlong h, jlong dgateUp, jlong gateUp, jlong dout, jint n,
                             jint width) {
    BEGIN
    OP(x, "swigluBackward");
    swigluBackward(x->stream, x->sms * 32, ptr<float>(dgateUp), ptr<float>(gateUp), ptr<float>(dout), n, width);
    LAUNCHED("swigluBackward");
    END_VOID("swigluBackward")
}

JNI_FN(void, geluForward)(JNIEnv* env, jclass, jlong h, jlong out, jlong inp, jlong n) {
    BEGIN
    OP(x, "geluForward");
    geluKernel<<<gridFor(x, n, 256), 256, 0, x->stream>>>(ptr<float>(out), ptr<float>(inp), (size_t)n);
    LAUNCHED("geluForward");
    END_VOID("geluForward")
}

JNI_FN(void, geluBackward)(JNIEnv* env, jclass, jlong h, jlong dinp, jlong inp, jlong dout, jlong n) {
    BEGIN
    OP(x, "geluBackward");
    geluBackwardKernel<<<gridFor(x, n, 256), 256, 0, x->stream>>>(ptr<float>(dinp), ptr<float>(inp),
                                                                  ptr<float>(dout), (size_t)n);
    LAUNCHED("geluBackward");
    END_VOID("geluBackward")
}

JNI_FN(void, residualForward)(JNIEnv* env, jclass, jlong h, jlong out, jlong a, jlong b, jlong n) {
    BEGIN
    OP(x, "residualForward");
    residualKernel<<<gridFor(x, n, 256), 256, 0, x->stream>>>(ptr<float>(out), ptr<float>(a), ptr<float>(b),
                                                              (size_t)n);
    LAUNCHED("residualForward");
    END_VOID("residualForward")
}

JNI_FN(void, tokenLogprobs)(JNIEnv* env, jclass, jlong h, jfloatArray logprobs, jfloatArray entropy, jlong logits,
                            jintArray targets, jint n, jint v, jfloat temperature) {
    BEGIN
    OP(x, "tokenLogprobs");
    const int* tg = uploadArray<int>(x, env, R_TARGETS, targets, n);
    float* out = static_cast<float*>(grow(x, x->outF, (size_t)n * 2 * sizeof(float)));
    logprobsKernel<<<n, 256, 0, x->stream>>>(out, out + n, ptr<float>(logits), tg, v, temperature);
    LAUNCHED("tokenLogprobs");
    std::vector<float> host((size_t)n * 2);
    download(x, host.data(), out, (size_t)n * 2 * sizeof(float));
    env->SetFloatArrayRegion(logprobs, 0, n, host.data());
    if (entropy) env->SetFloatArrayRegion(entropy, 0, n, host.data() + n);
    END_VOID("tokenLogprobs")
}

JNI_FN(void, tokenLogprobsBackward)(JNIEnv* env, jclass, jlong h, jlong dlogits, jlong logits, jintArray targets,
                                    jfloatArray g, jint n, jint v, jfloat temperature) {
    BEGIN
    OP(x, "tokenLogprobsBackward");
    const int* tg = uploadArray<int>(x, env, R_TARGETS, targets, n);
    const float* gg = uploadArray<float>(x, env, R_WEIGHTS, g, n);
    logprobsBackwardKernel<<<n, 256, 0, x->stream>>>(ptr<float>(dlogits), ptr<float>(logits), tg, gg, v,
                                                     temperature);
    LAUNCHED("tokenLogprobsBackward");
    END_VOID("tokenLogprobsBackward")
}

JNI_FN(void, sample)(JNIEnv* env, jclass, jlong h, jintArray tokens, jfloatArray logprobs, jfloatArray logprobsT1,
                     jlong logits, jint n, jint v, jfloat temperature, jint topK, jfloat topP, jfloat minP,
                     jlongArray rng) {
    BEGIN
    OP(x, "sample");
    // the RNG states change on the device: upload them every time (no shadow reuse)
    x->roles[R_RNG].valid = false;
    uint64_t* st;
    {
        Critical r(env, rng, false);
        st = (uint64_t*)upload(x, R_RNG, r.get<jlong>(), (size_t)n * 8);
    }
    x->roles[R_RNG].valid = false;
    int keyCap = 1;
    while (keyCap < v) keyCap <<= 1;
    double* exps = static_cast<double*>(grow(x, x->exps, (size_t)n * v * sizeof(double)));
    long long* keys = static_cast<long long*>(grow(x, x->keys, (size_t)n * keyCap * sizeof(long long)));
    char* out = static_cast<char*>(grow(x, x->outI, (size_t)n * (4 + 4 + 4 + 8)));
    int* tok = reinterpret_cast<int*>(out);
    float* lp = reinterpret_cast<float*>(out + (size_t)n * 4);
    float* lp1 = reinterpret_cast<float*>(out + (size_t)n * 8);
    uint64_t* rngOut = reinterpret_cast<uint64_t*>(out + (size_t)n * 12);
    sampleKernel<<<n, 1024, 0, x->stream>>>(ptr<float>(logits), v, temperature, topK, topP, minP, st, tok, lp, lp1,
                                             exps, keys, keyCap);
    LAUNCHED("sample");
    CK(cudaMemcpyAsync(rngOut, st, (size_t)n * 8, cudaMemcpyDeviceToDevice, x->stream));
    std::vector<char> host((size_t)n * 20);
    download(x, host.data(), out, host.size());
    env->SetIntArrayRegion(tokens, 0, n, reinterpret_cast<const jint*>(host.data()));
    env->SetFloatArrayRegion(logprobs, 0, n, reinterpret_cast<const jfloat*>(host.data() + (size_t)n * 4));
    env->SetFloatArrayRegion(logprobsT1, 0, n, reinterpret_cast<const jfloat*>(host.data() + (size_t)n * 8));
    env->SetLongArrayRegion(rng, 0, n, reinterpret_cast<const jlong*>(host.data() + (size_t)n * 12));
    END_VOID("sample")
}

JNI_FN(void, adamw)(JNIEnv* env, jclass, jlong h, jlong p, jlong g, jlong m, jlong v, jlong n, jfloat lr,
                    jfloat beta1, jfloat beta2, jfloat eps, jfloat wd, jfloat c1, jfloat c2) {
    BEGIN
    OP(x, "adamw");
    adamwKernel<<<gridFor(x, n, 256), 256, 0, x->stream>>>(ptr<float>(p), ptr<float>(g), ptr<float>(m),
                                                           ptr<float>(v), (size_t)n, lr, beta1, beta2, eps, wd, c1,
                                                           c2);
    LAUNCHED("adamw");
    END_VOID("adamw")
}
