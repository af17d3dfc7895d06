package dev.cohort.trainer.internal.config;

import java.util.Locale;

/**
 * {@code reward_failure}: what a failing reward function does: a warning and a NaN column
 * ({@code warn}), or the run fails ({@code fail}).
 */
public enum RewardFailureMode {
    WARN, FAIL;

    /** The spelling in a configuration file, e.g. {@code warn}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
