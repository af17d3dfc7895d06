package dev.cohort.trainer.internal.config;

import static dev.cohort.trainer.internal.config.Yaml.MINIMAL;
import static dev.cohort.trainer.internal.config.Yaml.parse;
import static dev.cohort.trainer.internal.config.Yaml.parseMinimalWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.cohort.trainer.internal.objective.ImportanceSampling;
import dev.cohort.trainer.internal.objective.LossType;
import dev.cohort.trainer.internal.objective.ObjectiveConfig;
import dev.cohort.trainer.internal.objective.RewardAggregation;
import dev.cohort.trainer.internal.objective.ScaleRewards;
import dev.cohort.trainer.internal.reward.ScoringPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Defaults, paths, the derived values, toMap, and a realistic file. */
class RunConfigTest {

    /** Every key, in the order of docs/configuration.md and of toMap. */
    static final List<String> KEYS = List.of("model", "tokenizer", "tokenizer_alphabet", "dataset",
            "dataset_prompt_field", "dataset_train_split", "dataset_test_split", "dataset_answer_field",
            "dataset_answer_format", "system_prompt", "apply_chat_template", "chat_template_kwargs", "eval_dataset", "eval_samples", "reward_funcs", "reward_weights",
            "reward_timeout_ms", "reward_failure", "reward_wait_ms", "rollout_engine",
            "num_generations", "max_prompt_length", "max_completion_length", "temperature", "top_p",
            "top_k", "min_p", "learning_rate", "lr_scheduler_type", "warmup_steps", "weight_decay",
            "adam_beta1", "adam_beta2", "adam_epsilon", "max_grad_norm",
            "per_device_train_batch_size", "gradient_accumulation_steps", "gradient_checkpointing",
            "adapter", "lora_r", "lora_alpha", "lora_dropout", "lora_target_modules", "use_rslora", "beta", "epsilon",
            "epsilon_high", "loss_type", "scale_rewards", "multi_objective_aggregation",
            "importance_sampling_level", "mask_truncated_completions", "num_iterations",
            "vllm_importance_sampling_correction", "vllm_importance_sampling_mode", "vllm_importance_sampling_cap",
            "off_policy_mask_threshold", "async_prefetch", "prefetch_depth", "max_staleness", "weight_sync_steps",
            "backend", "cuda_matmul", "output_dir", "run_name", "save_steps", "save_dtype", "logging_steps", "report_to",
            "max_steps", "seed", "plugins");

    @Test
    void minimalFileTakesTrlsDefaults() {
        RunConfig c = parse(MINIMAL);
        assertEquals("tiny", c.model());
        assertEquals("auto", c.tokenizer());
        assertEquals("", c.tokenizerAlphabet());
        assertEquals("builtin:addition", c.dataset());
        assertEquals("prompt", c.datasetPromptField());
        assertEquals("", c.evalDataset());
        assertEquals(0, c.evalSamples());
        assertEquals(List.of("exact"), c.rewardFuncs());
        assertEquals(List.of(1.0), c.rewardWeights());
        assertEquals(60_000, c.rewardTimeoutMs());
        assertEquals(RewardFailureMode.WARN, c.rewardFailure());
        assertEquals(30_000, c.rewardWaitMs());
        assertEquals("embedded", c.rolloutEngine());
        assertEquals(8, c.numGenerations());
        assertEquals(512, c.maxPromptLength());
        assertEquals(256, c.maxCompletionLength());
        assertEquals(1.0, c.temperature());
        assertEquals(1.0, c.topP());
        assertEquals(0, c.topK());
        assertEquals(0.0, c.minP());
        assertEquals(1e-6, c.learningRate());
        assertEquals(LrSchedulerType.LINEAR, c.lrSchedulerType());
        assertEquals(0, c.warmupSteps());
        assertEquals(0.0, c.weightDecay());
        assertEquals(0.9, c.adamBeta1());
        assertEquals(0.999, c.adamBeta2());
        assertEquals(1e-8, c.adamEpsilon());
        assertEquals(1.0, c.maxGradNorm());
        assertEquals(8, c.perDeviceTrainBatchSize());
        assertEquals(1, c.gradientAccumulationSteps());
        assertEquals(0.0, c.beta());
        assertEquals(0.2, c.epsilon());
        assertEquals(0.2, c.epsilonHigh());
        assertEquals(LossType.DAPO, c.lossType());
        assertEquals(ScaleRewards.GROUP, c.scaleRewards());
        assertEquals(RewardAggregation.SUM_THEN_NORMALIZE, c.multiObjectiveAggregation());
        assertEquals(ImportanceSampling.TOKEN, c.importanceSamplingLevel());
        assertFalse(c.maskTruncatedCompletions());
        assertEquals(1, c.numIterations());
        assertEquals(BackendChoice.AUTO, c.backend());
        assertEquals(CudaMatmul.FP32, c.cudaMatmul());
        assertEquals(Path.of("").toAbsolutePath().resolve("runs").toString(), c.outputDir());
        assertEquals("", c.runName());
        assertEquals(0, c.saveSteps());
        assertEquals(1, c.loggingSteps());
        assertEquals(10, c.maxSteps());
        assertEquals(42, c.seed());
        assertEquals(Map.of(), c.plugins());
        assertNull(c.source());
        assertEquals(8, c.generationBatchSize());
        assertEquals(1, c.promptsPerStep());
    }

    @Test
    void theObjectiveAndScoringDefaultsAgreeWithTheirOwnClasses() {
        RunConfig c = parse(MINIMAL);
        assertEquals(ObjectiveConfig.defaults(), c.objectiveConfig());
        assertEquals(ScoringPolicy.defaults(), c.scoringPolicy());
    }

    @Test
    void nullValuesTakeTheDefault() {
        RunConfig c = parseMinimalWith("temperature: ~\nepsilon_high:\ntop_k: null\nplugins:\n");
        assertEquals(1.0, c.temperature());
        assertEquals(0.2, c.epsilonHigh());
        assertEquals(0, c.topK());
        assertEquals(Map.of(), c.plugins());
    }

    @Test
    void yamlSpellingsOfNumbersAndBooleans() {
        RunConfig c = parseMinimalWith("learning_rate: 1e-5\nmax_completion_length: 1_024\n"
                + "mask_truncated_completions: yes\nseed: -7\ntemperature: 1\n");
        assertEquals(1e-5, c.learningRate());
        assertEquals(1024, c.maxCompletionLength());
        assertTrue(c.maskTruncatedCompletions());
        assertEquals(-7, c.seed());
        assertEquals(1.0, c.temperature());
    }

    @Test
    void epsilonHighFollowsEpsilonUnlessGiven() {
        assertEquals(0.3, parseMinimalWith("epsilon: 0.3\n").epsilonHigh());
        RunConfig dapo = parseMinimalWith("epsilon: 0.2\nepsilon_high: 0.28\n");
        assertEquals(0.2, dapo.epsilon());
        assertEquals(0.28, dapo.epsilonHigh());
        assertEquals(0.1, parseMinimalWith("epsilon: 0.3\nepsilon_high: 0.1\n").epsilonHigh(),
                "epsilon_high below epsilon is allowed");
        assertEquals(1.5, parseMinimalWith("epsilon_high: 1.5\n").epsilonHigh(), "no upper bound");
    }

    @ParameterizedTest
    @CsvSource({"true, GROUP", "false, NONE", "yes, GROUP", "off, NONE", "group, GROUP",
        "batch, BATCH", "none, NONE"})
    void scaleRewardsAcceptsTrlsLegacyBooleans(String value, ScaleRewards expected) {
        assertEquals(expected, parseMinimalWith("scale_rewards: " + value + "\n").scaleRewards());
    }

    @Test
    void generationBatchAndPromptsPerStep() {
        RunConfig c = parseMinimalWith("per_device_train_batch_size: 4\ngradient_accumulation_steps: 6\n"
                + "num_generations: 3\n");
        assertEquals(24, c.generationBatchSize());
        assertEquals(8, c.promptsPerStep());
    }

    @Test
    void rewardWeightsOnePerFunction() {
        RunConfig c = parse("model: tiny\ndataset: builtin:addition\nreward_funcs: [a, b]\nmax_steps: 3\n"
                + "reward_weights: [2, -0.5]\n");
        assertEquals(List.of(2.0, -0.5), c.rewardWeights());
        assertEquals(List.of(1.0, 1.0), parse("model: tiny\ndataset: builtin:x\nreward_funcs: [a, b]\n"
                + "max_steps: 3\n").rewardWeights());
    }

    @Test
    void relativePathsResolveAgainstTheFilesDirectory(@TempDir Path dir) throws Exception {
        Path sub = Files.createDirectories(dir.resolve("exp"));
        Files.createDirectories(sub.resolve("data"));
        Files.writeString(sub.resolve("data/train.jsonl"), "");
        Files.createDirectories(dir.resolve("shared"));
        Files.writeString(dir.resolve("shared/eval.jsonl"), "");
        Path file = sub.resolve("run.yaml");
        Files.writeString(file, """
                model: checkpoints/step-100
                dataset: data/train.jsonl
                eval_dataset: ../shared/eval.jsonl
                reward_funcs: [exact]
                max_steps: 10
                """);
        RunConfig c = RunConfigParser.parse(file);
        assertEquals(sub.resolve("checkpoints/step-100").toString(), c.model());
        assertEquals(sub.resolve("data/train.jsonl").toString(), c.dataset());
        assertEquals(dir.resolve("shared/eval.jsonl").toString(), c.evalDataset());
        assertEquals(sub.resolve("runs").toString(), c.outputDir());
        assertEquals(file.toAbsolutePath(), c.source());
    }

    @Test
    void absolutePathsSizesAndBuiltinsAreKept(@TempDir Path dir) {
        String yaml = "model: gpt2-medium\ndataset: builtin:addition\neval_dataset: " + dir.resolve("e.jsonl")
                + "\nreward_funcs: [exact]\nmax_steps: 10\noutput_dir: " + dir.resolve("out") + "\n";
        RunConfig c = RunConfigParser.parse(yaml, "inline", Path.of("/somewhere/else"));
        assertEquals("gpt2-medium", c.model());
        assertEquals("builtin:addition", c.dataset());
        assertEquals(dir.resolve("e.jsonl").toString(), c.evalDataset());
        assertEquals(dir.resolve("out").toString(), c.outputDir());
    }

    @Test
    void textIsResolvedAgainstTheGivenDirectory() {
        RunConfig c = RunConfigParser.parse("model: ckpt\ndataset: d.jsonl\nreward_funcs: [exact]\n"
                + "max_steps: 1\noutput_dir: out/../o\n", "inline", Path.of("/data/exp"));
        assertEquals(Path.of("/data/exp/ckpt").toAbsolutePath().toString(), c.model());
        assertEquals(Path.of("/data/exp/d.jsonl").toAbsolutePath().toString(), c.dataset());
        assertEquals(Path.of("/data/exp/o").toAbsolutePath().toString(), c.outputDir());
    }

    @Test
    void toMapListsEveryKeyAndEveryKnownKeyIsInIt() {
        Map<String, Object> m = parse(MINIMAL).toMap();
        assertEquals(KEYS, List.copyOf(m.keySet()));
        assertEquals("dapo", m.get("loss_type"));
        assertEquals(0.2, m.get("epsilon_high"));
        assertEquals(8, m.get("num_generations"));
        assertEquals(42L, m.get("seed"));
        assertThrows(UnsupportedOperationException.class, () -> m.put("seed", 1L));
        for (String key : KEYS) { // a misspelling of each key is unknown, so each key is known
            String message = assertThrows(ConfigException.class,
                    () -> parseMinimalWith(key + "x: 1\n")).getMessage();
            assertTrue(message.endsWith("unknown key; did you mean " + key + "?"), message);
        }
    }

    @Test
    void toMapWrittenAsYamlParsesBackToTheSameConfiguration() throws Exception {
        RunConfig c = parse(FullFile.YAML);
        String yaml = new ObjectMapper(new YAMLFactory()).writeValueAsString(c.toMap());
        RunConfig again = RunConfigParser.parse(yaml, "resolved.yaml", Path.of("/elsewhere"));
        assertEquals(c.toMap(), again.toMap());
        assertEquals(c, new RunConfig(again.model(), again.tokenizer(), again.tokenizerAlphabet(),
                again.dataset(), again.datasetPromptField(), again.datasetTrainSplit(), again.datasetTestSplit(),
                again.datasetAnswerField(), again.datasetAnswerFormat(), again.systemPrompt(),
                again.applyChatTemplate(), again.chatTemplateKwargs(), again.evalDataset(), again.evalSamples(),
                again.rewardFuncs(), again.rewardWeights(), again.rewardTimeoutMs(),
                again.rewardFailure(), again.rewardWaitMs(), again.rolloutEngine(),
                again.numGenerations(), again.maxPromptLength(), again.maxCompletionLength(),
                again.temperature(), again.topP(), again.topK(), again.minP(), again.learningRate(),
                again.lrSchedulerType(), again.warmupSteps(), again.weightDecay(), again.adamBeta1(),
                again.adamBeta2(), again.adamEpsilon(), again.maxGradNorm(),
                again.perDeviceTrainBatchSize(), again.gradientAccumulationSteps(), again.gradientCheckpointing(),
                again.adapter(), again.lora(), again.beta(),
                again.epsilon(), again.epsilonHigh(), again.lossType(), again.scaleRewards(),
                again.multiObjectiveAggregation(), again.importanceSamplingLevel(),
                again.maskTruncatedCompletions(), again.numIterations(), again.vllmImportanceSamplingCorrection(),
                again.vllmImportanceSamplingMode(), again.vllmImportanceSamplingCap(), again.offPolicyMaskThreshold(),
                again.asyncPrefetch(), again.prefetchDepth(), again.maxStaleness(), again.weightSyncSteps(),
                again.backend(), again.cudaMatmul(),
                again.outputDir(), again.runName(), again.saveSteps(), again.saveDtype(), again.loggingSteps(),
                again.reportTo(), again.maxSteps(), again.seed(), again.plugins(), c.source()));
    }

    @Test
    void theRecordIsImmutable() {
        RunConfig c = parse(FullFile.YAML);
        assertThrows(UnsupportedOperationException.class, () -> c.rewardFuncs().add("x"));
        assertThrows(UnsupportedOperationException.class, () -> c.rewardWeights().set(0, 3.0));
        assertThrows(UnsupportedOperationException.class, () -> c.plugins().remove("x"));
        Map<String, Object> props = c.plugins().values().iterator().next();
        assertThrows(UnsupportedOperationException.class, () -> props.put("k", "v"));
    }
}
