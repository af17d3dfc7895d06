package dev.cohort.trainer.internal.config;

import java.util.Locale;

/** {@code lr_scheduler_type}: the learning-rate schedule, with Hugging Face's names. */
public enum LrSchedulerType {
    CONSTANT, CONSTANT_WITH_WARMUP, LINEAR, COSINE;

    /** The spelling in a configuration file, e.g. {@code constant}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
