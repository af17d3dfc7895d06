package dev.cohort.trainer.internal.backend;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cohort.trainer.internal.backend.CudaBackend.Gemm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The fixture of the op-level CUDA parity tests ({@code CudaLlamaParityTest},
 * {@code CudaLoraParityTest}): skipped with the reason where there is no device; a Java backend
 * and a CUDA backend opened per test with the options it asks for, and twins of tensors on both.
 */
abstract class CudaOpParity {

    static final double ABS = 1e-4;
    static final double REL = 1e-3;

    JavaBackend java;
    CudaBackend cuda;
    CudaTwins twins;

    @BeforeEach
    void device() {
        CudaParity.assumeDevice();
    }

    void open(CudaBackend.Options options) {
        java = new JavaBackend(Runtime.getRuntime().availableProcessors());
        try {
            cuda = CudaBackend.open(options);
        } catch (IllegalStateException e) {
            assumeTrue(options.gemm() != Gemm.CUBLAS, "cuBLAS not loadable here: " + e.getMessage());
            throw e;
        }
        twins = new CudaTwins(java, cuda);
        System.out.println("[parity] " + cuda.device() + ": " + cuda.gemmInfo());
    }

    @AfterEach
    void close() {
        if (cuda != null) {
            cuda.close();
        }
        if (java != null) {
            java.close();
        }
    }
}
