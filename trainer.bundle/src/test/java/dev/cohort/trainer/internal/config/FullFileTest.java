package dev.cohort.trainer.internal.config;

import static dev.cohort.trainer.internal.config.Yaml.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.trainer.internal.objective.ImportanceSampling;
import dev.cohort.trainer.internal.objective.LossType;
import dev.cohort.trainer.internal.objective.ObjectiveConfig;
import dev.cohort.trainer.internal.objective.RewardAggregation;
import dev.cohort.trainer.internal.objective.ScaleRewards;
import dev.cohort.trainer.internal.reward.RewardSpec;
import dev.cohort.trainer.internal.reward.ScoringPolicy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A realistic file that gives every key. */
class FullFileTest {

    @Test
    void everyKeyIsRead() {
        RunConfig c = parse(FullFile.YAML);
        assertEquals("tiny", c.model());
        assertEquals("char", c.tokenizer());
        assertEquals("0123456789+= ", c.tokenizerAlphabet());
        assertEquals("builtin:addition", c.dataset());
        assertEquals("question", c.datasetPromptField());
        assertEquals("builtin:addition-eval", c.evalDataset());
        assertEquals(200, c.evalSamples());
        assertEquals(List.of("exact_match", "length_penalty"), c.rewardFuncs());
        assertEquals(List.of(1.0, 0.1), c.rewardWeights());
        assertEquals(5000, c.rewardTimeoutMs());
        assertEquals(RewardFailureMode.FAIL, c.rewardFailure());
        assertEquals(0, c.rewardWaitMs());
        assertEquals("embedded", c.rolloutEngine());
        assertEquals(4, c.numGenerations());
        assertEquals(32, c.maxPromptLength());
        assertEquals(8, c.maxCompletionLength());
        assertEquals(0.9, c.temperature());
        assertEquals(0.95, c.topP());
        assertEquals(50, c.topK());
        assertEquals(0.05, c.minP());
        assertEquals(3e-4, c.learningRate());
        assertEquals(LrSchedulerType.COSINE, c.lrSchedulerType());
        assertEquals(20, c.warmupSteps());
        assertEquals(0.01, c.weightDecay());
        assertEquals(0.9, c.adamBeta1());
        assertEquals(0.95, c.adamBeta2());
        assertEquals(1e-8, c.adamEpsilon());
        assertEquals(0.5, c.maxGradNorm());
        assertEquals(16, c.perDeviceTrainBatchSize());
        assertEquals(2, c.gradientAccumulationSteps());
        assertEquals(true, c.gradientCheckpointing());
        assertEquals("bfloat16", c.saveDtype());
        assertEquals(java.util.Map.of("enable_thinking", false), c.chatTemplateKwargs());
        assertEquals(0.04, c.beta());
        assertEquals(0.2, c.epsilon());
        assertEquals(0.28, c.epsilonHigh());
        assertEquals(LossType.DR_GRPO, c.lossType());
        assertEquals(ScaleRewards.BATCH, c.scaleRewards());
        assertEquals(RewardAggregation.NORMALIZE_THEN_SUM, c.multiObjectiveAggregation());
        assertEquals(ImportanceSampling.SEQUENCE, c.importanceSamplingLevel());
        assertTrue(c.maskTruncatedCompletions());
        assertEquals(2, c.numIterations());
        assertTrue(c.vllmImportanceSamplingCorrection());
        assertEquals(dev.cohort.trainer.internal.objective.VllmImportanceSampling.TOKEN_TRUNCATE,
                c.vllmImportanceSamplingMode());
        assertEquals(2.0, c.vllmImportanceSamplingCap());
        assertEquals(0.5, c.offPolicyMaskThreshold());
        assertFalse(c.asyncPrefetch());
        assertEquals(2, c.prefetchDepth());
        assertEquals(2, c.maxStaleness());
        assertEquals(2, c.weightSyncSteps());
        assertEquals(BackendChoice.JAVA, c.backend());
        assertEquals(CudaMatmul.TF32, c.cudaMatmul());
        assertEquals("/tmp/cohort-runs", c.outputDir());
        assertEquals("addition-tiny", c.runName());
        assertEquals(100, c.saveSteps());
        assertEquals(5, c.loggingSteps());
        assertEquals(List.of("tensorboard"), c.reportTo());
        assertEquals(1000, c.maxSteps());
        assertEquals(1234, c.seed());
        assertEquals(32, c.generationBatchSize());
        assertEquals(8, c.promptsPerStep());
    }

    @Test
    void pluginPropertiesKeepTheirTypesAndOrder() {
        Map<String, Map<String, Object>> plugins = parse(FullFile.YAML).plugins();
        assertEquals(List.of("dev.cohort.trace", "dev.cohort.reward.length"), List.copyOf(plugins.keySet()));
        assertEquals(Map.of("path", "traces/addition.jsonl", "every", 10L), plugins.get("dev.cohort.trace"));
        Map<String, Object> length = plugins.get("dev.cohort.reward.length");
        assertEquals(List.of("target", "scale", "enabled", "stop"), List.copyOf(length.keySet()));
        assertEquals(6L, length.get("target"));
        assertEquals(0.5, length.get("scale"));
        assertEquals(true, length.get("enabled"));
        assertEquals(List.of("\n", "="), length.get("stop"));
    }

    @Test
    void theDerivedConfigurationsCarryTheValues() {
        RunConfig c = parse(FullFile.YAML);
        ObjectiveConfig o = c.objectiveConfig();
        assertEquals(LossType.DR_GRPO, o.lossType());
        assertEquals(0.2, o.epsilonLow());
        assertEquals(0.28, o.epsilonHigh());
        assertEquals(0.04, o.beta());
        assertEquals(8, o.maxCompletionLength());
        assertEquals(2, o.gradientAccumulationSteps());
        assertEquals(2, o.numIterations());
        assertEquals(new ScoringPolicy(5000, true, 0), c.scoringPolicy());
        assertEquals(List.of(new RewardSpec("exact_match", 1.0), new RewardSpec("length_penalty", 0.1)),
                c.rewardSpecs());
    }
}
