package dev.cohort.trainer.internal.objective;

import static dev.cohort.trainer.internal.objective.AdvantagesTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

/** TRL's names and defaults, epsilon_high following epsilon, and validation messages. */
class ObjectiveConfigTest {
    @Test
    void defaultsAreTrls() {
        ObjectiveConfig c = ObjectiveConfig.defaults();
        assertEquals(LossType.DAPO, c.lossType());
        assertEquals(ScaleRewards.GROUP, c.scaleRewards());
        assertEquals(RewardAggregation.SUM_THEN_NORMALIZE, c.aggregation());
        assertEquals(0.2, c.epsilonLow());
        assertEquals(0.2, c.epsilonHigh());
        assertEquals(0.0, c.beta());
        assertEquals(ImportanceSampling.TOKEN, c.importanceSampling());
        assertFalse(c.maskTruncatedCompletions());
        assertEquals(256, c.maxCompletionLength());
        assertEquals(1, c.gradientAccumulationSteps());
        assertEquals(1, c.numIterations());
    }

    @Test
    void epsilonHighFollowsEpsilonUnlessSet() {
        assertEquals(0.3, ObjectiveConfig.builder().epsilon(0.3).build().epsilonHigh());
        ObjectiveConfig dapo = ObjectiveConfig.builder().epsilon(0.2).epsilonHigh(0.28).build();
        assertEquals(0.28, dapo.epsilonHigh());
        assertEquals(0.28, dapo.toBuilder().epsilon(0.1).build().epsilonHigh());
        assertEquals(0.1, dapo.toBuilder().epsilon(0.1).epsilonHigh(null).build().epsilonHigh());
        assertEquals(0.25, ObjectiveConfig.defaults().toBuilder().epsilon(0.25).build().epsilonHigh());
        assertEquals(dapo, dapo.toBuilder().build());
    }

    @Test
    void valuesParseFromTrlSpelling() {
        assertEquals(LossType.DR_GRPO, LossType.fromKey("dr_grpo"));
        assertEquals("dr_grpo", LossType.DR_GRPO.key());
        assertEquals(ScaleRewards.BATCH, ScaleRewards.fromKey("batch"));
        assertEquals(ScaleRewards.GROUP, ScaleRewards.fromKey("true"));
        assertEquals(ScaleRewards.NONE, ScaleRewards.fromKey("False"));
        assertEquals(RewardAggregation.NORMALIZE_THEN_SUM,
                RewardAggregation.fromKey("normalize_then_sum"));
        assertEquals(ImportanceSampling.SEQUENCE, ImportanceSampling.fromKey("sequence"));
    }

    @Test
    void unknownValuesNameTheKeyAndTheChoices() {
        assertMessage("loss_type must be one of grpo, bnpo, dr_grpo, dapo, got 'DAPO'",
                () -> LossType.fromKey("DAPO"));
        assertMessage("scale_rewards must be one of group, batch, none, got 'std'",
                () -> ScaleRewards.fromKey("std"));
        assertMessage("multi_objective_aggregation must be one of sum_then_normalize, "
                + "normalize_then_sum, got 'mean'", () -> RewardAggregation.fromKey("mean"));
        assertMessage("importance_sampling_level must be one of token, sequence, got 'null'",
                () -> ImportanceSampling.fromKey(null));
    }

    @Test
    void invalidValuesNameTheKeyAndTheValue() {
        assertMessage("epsilon must be in [0, 1), got 1.0",
                () -> ObjectiveConfig.builder().epsilon(1).build());
        assertMessage("epsilon must be in [0, 1), got NaN",
                () -> ObjectiveConfig.builder().epsilon(Double.NaN).build());
        assertMessage("epsilon_high must be finite and >= 0, got -0.1",
                () -> ObjectiveConfig.builder().epsilonHigh(-0.1).build());
        assertMessage("beta must be finite and >= 0, got -1.0",
                () -> ObjectiveConfig.builder().beta(-1).build());
        assertMessage("beta must be finite and >= 0, got Infinity",
                () -> ObjectiveConfig.builder().beta(Double.POSITIVE_INFINITY).build());
        assertMessage("max_completion_length must be >= 1, got 0",
                () -> ObjectiveConfig.builder().maxCompletionLength(0).build());
        assertMessage("gradient_accumulation_steps must be >= 1, got 0",
                () -> ObjectiveConfig.builder().gradientAccumulationSteps(0).build());
        assertMessage("num_iterations must be >= 1, got -2",
                () -> ObjectiveConfig.builder().numIterations(-2).build());
        assertMessage("loss_type must not be null",
                () -> ObjectiveConfig.builder().lossType(null).build());
        assertMessage("scale_rewards must not be null",
                () -> ObjectiveConfig.builder().scaleRewards(null).build());
        assertMessage("multi_objective_aggregation must not be null",
                () -> ObjectiveConfig.builder().aggregation(null).build());
        assertMessage("importance_sampling_level must not be null",
                () -> ObjectiveConfig.builder().importanceSampling(null).build());
    }
}
