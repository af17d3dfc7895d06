package dev.cohort.trainer.internal.objective;

import static dev.cohort.trainer.internal.objective.ConfigKeys.*;

/**
 * The options of the GRPO objective, named and defaulted as in TRL's GRPOConfig. Construction
 * validates every field and throws IllegalArgumentException naming the config key and the value.
 *
 * @param lossType {@code loss_type}, default {@link LossType#DAPO}
 * @param scaleRewards {@code scale_rewards}, default {@link ScaleRewards#GROUP}
 * @param aggregation {@code multi_objective_aggregation}, default {@link
 *     RewardAggregation#SUM_THEN_NORMALIZE}
 * @param epsilonLow {@code epsilon}, the lower clip range, default 0.2, in [0, 1)
 * @param epsilonHigh {@code epsilon_high}, the upper clip range, defaults to {@code epsilon}
 * @param beta the weight of the k3 KL penalty, default 0 (no reference model)
 * @param importanceSampling {@code importance_sampling_level}, default {@link
 *     ImportanceSampling#TOKEN}
 * @param maskTruncatedCompletions {@code mask_truncated_completions}, default false
 * @param maxCompletionLength {@code max_completion_length}, default 256 (dr_grpo's divisor)
 * @param gradientAccumulationSteps {@code gradient_accumulation_steps}, default 1
 * @param numIterations {@code num_iterations}, optimisation passes per generation, default 1
 */
public record ObjectiveConfig(
        LossType lossType,
        ScaleRewards scaleRewards,
        RewardAggregation aggregation,
        double epsilonLow,
        double epsilonHigh,
        double beta,
        ImportanceSampling importanceSampling,
        boolean maskTruncatedCompletions,
        int maxCompletionLength,
        int gradientAccumulationSteps,
        int numIterations) {

    /** Validates every field; messages name the GRPOConfig key and the value. */
    public ObjectiveConfig {
        requireNonNull(lossType, LOSS_TYPE);
        requireNonNull(scaleRewards, SCALE_REWARDS);
        requireNonNull(aggregation, AGGREGATION);
        requireNonNull(importanceSampling, IMPORTANCE_SAMPLING);
        if (!(epsilonLow >= 0 && epsilonLow < 1)) {
            throw new IllegalArgumentException(EPSILON + " must be in [0, 1), got " + epsilonLow);
        }
        requireNonNegative(epsilonHigh, EPSILON_HIGH);
        requireNonNegative(beta, BETA);
        requirePositive(maxCompletionLength, MAX_COMPLETION_LENGTH);
        requirePositive(gradientAccumulationSteps, GRADIENT_ACCUMULATION);
        requirePositive(numIterations, NUM_ITERATIONS);
    }

    /** TRL's defaults: dapo, group scaling, epsilon 0.2 on both sides, beta 0, token level. */
    public static ObjectiveConfig defaults() {
        return builder().build();
    }

    /** A builder holding TRL's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder holding this config. When {@code epsilonHigh == epsilonLow} the copy's upper range
     * keeps following {@code epsilon}, as if it had never been set.
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.lossType = lossType;
        b.scaleRewards = scaleRewards;
        b.aggregation = aggregation;
        b.epsilon = epsilonLow;
        b.epsilonHigh = epsilonHigh == epsilonLow ? null : epsilonHigh;
        b.beta = beta;
        b.importanceSampling = importanceSampling;
        b.maskTruncatedCompletions = maskTruncatedCompletions;
        b.maxCompletionLength = maxCompletionLength;
        b.gradientAccumulationSteps = gradientAccumulationSteps;
        b.numIterations = numIterations;
        return b;
    }

    private static void requireNonNull(Object value, String key) {
        if (value == null) {
            throw new IllegalArgumentException(key + " must not be null");
        }
    }

    private static void requireNonNegative(double value, String key) {
        if (!(value >= 0 && Double.isFinite(value))) {
            throw new IllegalArgumentException(key + " must be finite and >= 0, got " + value);
        }
    }

    private static void requirePositive(int value, String key) {
        if (value < 1) {
            throw new IllegalArgumentException(key + " must be >= 1, got " + value);
        }
    }

    /** Builds an {@link ObjectiveConfig}; starts from TRL's defaults. */
    public static final class Builder {
        private LossType lossType = LossType.DAPO;
        private ScaleRewards scaleRewards = ScaleRewards.GROUP;
        private RewardAggregation aggregation = RewardAggregation.SUM_THEN_NORMALIZE;
        private double epsilon = 0.2;
        private Double epsilonHigh;
        private double beta;
        private ImportanceSampling importanceSampling = ImportanceSampling.TOKEN;
        private boolean maskTruncatedCompletions;
        private int maxCompletionLength = 256;
        private int gradientAccumulationSteps = 1;
        private int numIterations = 1;

        private Builder() {}

        public Builder lossType(LossType value) {
            lossType = value;
            return this;
        }

        public Builder scaleRewards(ScaleRewards value) {
            scaleRewards = value;
            return this;
        }

        public Builder aggregation(RewardAggregation value) {
            aggregation = value;
            return this;
        }

        /** {@code epsilon}: the lower clip range, and the upper one unless set on its own. */
        public Builder epsilon(double value) {
            epsilon = value;
            return this;
        }

        /** {@code epsilon_high}; null makes it follow {@code epsilon} again. */
        public Builder epsilonHigh(Double value) {
            epsilonHigh = value;
            return this;
        }

        public Builder beta(double value) {
            beta = value;
            return this;
        }

        public Builder importanceSampling(ImportanceSampling value) {
            importanceSampling = value;
            return this;
        }

        public Builder maskTruncatedCompletions(boolean value) {
            maskTruncatedCompletions = value;
            return this;
        }

        public Builder maxCompletionLength(int value) {
            maxCompletionLength = value;
            return this;
        }

        public Builder gradientAccumulationSteps(int value) {
            gradientAccumulationSteps = value;
            return this;
        }

        public Builder numIterations(int value) {
            numIterations = value;
            return this;
        }

        /** Validates and builds; throws IllegalArgumentException naming the offending key. */
        public ObjectiveConfig build() {
            double high = epsilonHigh == null ? epsilon : epsilonHigh;
            return new ObjectiveConfig(lossType, scaleRewards, aggregation, epsilon, high, beta,
                    importanceSampling, maskTruncatedCompletions, maxCompletionLength,
                    gradientAccumulationSteps, numIterations);
        }
    }
}
