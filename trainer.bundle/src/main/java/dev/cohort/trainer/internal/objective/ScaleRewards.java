package dev.cohort.trainer.internal.objective;

/**
 * What the centred rewards are divided by ({@code scale_rewards}): the group's std + 1e-4
 * ({@link #GROUP}, default), the whole batch's std + 1e-4 ({@link #BATCH}), or nothing
 * ({@link #NONE}). Ignored by {@link RewardAggregation#NORMALIZE_THEN_SUM}.
 */
public enum ScaleRewards {
    GROUP,
    BATCH,
    NONE;

    /** The TRL spelling, e.g. {@code group}. */
    public String key() {
        return ConfigKeys.key(this);
    }

    /**
     * Parses the TRL spelling. Like TRL, the legacy booleans {@code true} and {@code false} mean
     * {@code group} and {@code none}. Throws IllegalArgumentException naming {@code scale_rewards}.
     */
    public static ScaleRewards fromKey(String value) {
        if ("true".equalsIgnoreCase(value)) {
            return GROUP;
        }
        if ("false".equalsIgnoreCase(value)) {
            return NONE;
        }
        return ConfigKeys.parse(ScaleRewards.class, ConfigKeys.SCALE_REWARDS, value);
    }
}
