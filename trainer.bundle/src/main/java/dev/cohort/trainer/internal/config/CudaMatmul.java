package dev.cohort.trainer.internal.config;

import java.util.Locale;

/**
 * {@code cuda_matmul}: the precision of the CUDA backend's matrix products. {@code fp32} is full
 * single precision (matches the Java backend to about 1e-4); {@code tf32} and {@code bf16} run on
 * the tensor cores with fp32 storage and accumulation. The Java backend ignores it.
 */
public enum CudaMatmul {
    FP32, TF32, BF16;

    /** The spelling in a configuration file, e.g. {@code tf32}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
