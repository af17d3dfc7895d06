package dev.cohort.trainer.internal.config;

import java.util.Locale;

/**
 * {@code cuda_matmul}: the precision of the CUDA backend's matrix products. {@code fp32} is full
 * single precision (matches the Java backend to 1e-4); {@code tf32} runs every product on the
 * tensor cores in TF32; {@code bf16} rounds the linear layers' operands to bf16 for each product
 * (attention in TF32). Storage and accumulation stay fp32; both need cuBLAS. The Java backend
 * ignores it.
 */
public enum CudaMatmul {
    FP32, TF32, BF16;

    /** The spelling in a configuration file, e.g. {@code tf32}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
