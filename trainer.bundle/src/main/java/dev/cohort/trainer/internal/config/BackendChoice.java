package dev.cohort.trainer.internal.config;

import java.util.Locale;

/** {@code backend}: the compute backend: chosen by Cohort ({@code auto}), plain Java, or CUDA. */
public enum BackendChoice {
    AUTO, JAVA, CUDA;

    /** The spelling in a configuration file, e.g. {@code auto}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
