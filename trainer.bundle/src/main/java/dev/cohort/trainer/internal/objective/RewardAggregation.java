package dev.cohort.trainer.internal.objective;

/**
 * How several reward functions become one advantage ({@code multi_objective_aggregation}):
 * weight and sum the raw rewards, then normalise per group ({@link #SUM_THEN_NORMALIZE}, default);
 * or z-score each function within its group, weight and sum, then normalise over the batch
 * ({@link #NORMALIZE_THEN_SUM}).
 */
public enum RewardAggregation {
    SUM_THEN_NORMALIZE,
    NORMALIZE_THEN_SUM;

    /** The TRL spelling, e.g. {@code sum_then_normalize}. */
    public String key() {
        return ConfigKeys.key(this);
    }

    /** Parses the TRL spelling; throws IllegalArgumentException naming the config key. */
    public static RewardAggregation fromKey(String value) {
        return ConfigKeys.parse(RewardAggregation.class, ConfigKeys.AGGREGATION, value);
    }
}
