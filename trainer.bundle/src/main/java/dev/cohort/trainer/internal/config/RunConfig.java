package dev.cohort.trainer.internal.config;

import dev.cohort.trainer.internal.data.AnswerFormat;
import dev.cohort.trainer.internal.data.ChatTemplateMode;
import dev.cohort.trainer.internal.data.DatasetSpec;
import dev.cohort.trainer.internal.model.LoraConfig;
import dev.cohort.trainer.internal.objective.ImportanceSampling;
import dev.cohort.trainer.internal.objective.LossType;
import dev.cohort.trainer.internal.objective.ObjectiveConfig;
import dev.cohort.trainer.internal.objective.OffPolicySettings;
import dev.cohort.trainer.internal.objective.VllmImportanceSampling;
import dev.cohort.trainer.internal.objective.RewardAggregation;
import dev.cohort.trainer.internal.objective.ScaleRewards;
import dev.cohort.trainer.internal.reward.RewardSpec;
import dev.cohort.trainer.internal.reward.ScoringPolicy;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * The configuration of one GRPO run, read from a YAML file by {@link RunConfigParser}. Keys follow
 * TRL's GRPOConfig names and defaults; each accessor is the camelCase of its key. Every key, its
 * default and its range are described in {@code docs/configuration.md}.
 *
 * <p>Values are effective: {@code epsilonHigh} is {@code epsilon} when the file does not give it,
 * {@code rewardWeights} has one weight per reward function (1 when the file gives none), and
 * {@code model} (unless a size name), {@code dataset}, {@code evalDataset} and {@code outputDir}
 * are absolute when they are paths. The constructor makes the record immutable (it copies the
 * lists and the plugins section) but does not validate: {@link RunConfigParser} does.
 *
 * @param source the YAML file, or null when the configuration came from a string
 */
public record RunConfig(
        // model and data
        String model,
        String tokenizer,
        String tokenizerAlphabet,
        String dataset,
        String datasetPromptField,
        String datasetTrainSplit,
        String datasetTestSplit,
        String datasetAnswerField,
        AnswerFormat datasetAnswerFormat,
        String systemPrompt,
        ChatTemplateMode applyChatTemplate,
        Map<String, Object> chatTemplateKwargs,
        String evalDataset,
        int evalSamples,
        // rewards
        List<String> rewardFuncs,
        List<Double> rewardWeights,
        long rewardTimeoutMs,
        RewardFailureMode rewardFailure,
        long rewardWaitMs,
        // generation
        String rolloutEngine,
        int numGenerations,
        int maxPromptLength,
        int maxCompletionLength,
        double temperature,
        double topP,
        int topK,
        double minP,
        // optimisation
        double learningRate,
        LrSchedulerType lrSchedulerType,
        int warmupSteps,
        double weightDecay,
        double adamBeta1,
        double adamBeta2,
        double adamEpsilon,
        double maxGradNorm,
        int perDeviceTrainBatchSize,
        int gradientAccumulationSteps,
        boolean gradientCheckpointing,
        // LoRA: adapter "" (none) or "lora"; lora holds the lora_ keys' values either way
        String adapter,
        LoraConfig lora,
        // GRPO objective
        double beta,
        double epsilon,
        double epsilonHigh,
        LossType lossType,
        ScaleRewards scaleRewards,
        RewardAggregation multiObjectiveAggregation,
        ImportanceSampling importanceSamplingLevel,
        boolean maskTruncatedCompletions,
        int numIterations,
        // off-policy correction and asynchronous generation
        boolean vllmImportanceSamplingCorrection,
        VllmImportanceSampling vllmImportanceSamplingMode,
        double vllmImportanceSamplingCap,
        Double offPolicyMaskThreshold,
        boolean asyncPrefetch,
        int prefetchDepth,
        int maxStaleness,
        int weightSyncSteps,
        // run control
        BackendChoice backend,
        CudaMatmul cudaMatmul,
        String outputDir,
        String runName,
        int saveSteps,
        String saveDtype,
        int loggingSteps,
        List<String> reportTo,
        int maxSteps,
        long seed,
        // plugins: Config Admin PID -> properties
        Map<String, Map<String, Object>> plugins,
        Path source) {

    /** Copies the lists and the plugins section into immutable ones, keeping their order. */
    public RunConfig {
        rewardFuncs = List.copyOf(rewardFuncs);
        rewardWeights = List.copyOf(rewardWeights);
        reportTo = List.copyOf(reportTo);
        plugins = copy(plugins);
    }

    /**
     * How the rows of {@code dataset} ({@code heldOut}: {@code eval_dataset}) are read and mapped;
     * a directory of Parquet shards is read for the train or the test split.
     */
    public DatasetSpec datasetSpec(boolean heldOut) {
        return new DatasetSpec(datasetPromptField, heldOut ? datasetTestSplit : datasetTrainSplit,
                datasetAnswerField, datasetAnswerFormat, systemPrompt, applyChatTemplate);
    }

    /** Samples per optimizer step: per_device_train_batch_size * gradient_accumulation_steps. */
    public int generationBatchSize() {
        return perDeviceTrainBatchSize * gradientAccumulationSteps;
    }

    /** The distinct prompts per optimizer step: the generation batch / num_generations. */
    public int promptsPerStep() {
        return generationBatchSize() / numGenerations;
    }

    /** The options of the GRPO objective. */
    public ObjectiveConfig objectiveConfig() {
        return new ObjectiveConfig(lossType, scaleRewards, multiObjectiveAggregation, epsilon,
                epsilonHigh, beta, importanceSamplingLevel, maskTruncatedCompletions,
                maxCompletionLength, gradientAccumulationSteps, numIterations);
    }

    /** TRL's off-policy corrections: the importance-sampling ratio and the off-policy sequence mask. */
    public OffPolicySettings offPolicySettings() {
        return new OffPolicySettings(vllmImportanceSamplingCorrection, vllmImportanceSamplingMode,
                vllmImportanceSamplingCap, offPolicyMaskThreshold == null ? Double.NaN : offPolicyMaskThreshold);
    }

    /** The reward functions with their weights, in the order of {@code reward_funcs}. */
    public List<RewardSpec> rewardSpecs() {
        return IntStream.range(0, rewardFuncs.size())
                .mapToObj(i -> new RewardSpec(rewardFuncs.get(i), rewardWeights.get(i)))
                .toList();
    }

    /** How reward functions are called: timeout, failure policy and wait for registration. */
    public ScoringPolicy scoringPolicy() {
        boolean failRun = rewardFailure == RewardFailureMode.FAIL;
        return new ScoringPolicy(rewardTimeoutMs, failRun, rewardWaitMs);
    }

    /**
     * Every key with its effective value, in the order of {@code docs/configuration.md}: Strings,
     * Integers, Longs, Doubles, Booleans, lists, enums by their spelling ({@code dr_grpo}), and
     * the plugins section. Written out as YAML, it parses back to the same configuration.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("tokenizer", tokenizer);
        m.put("tokenizer_alphabet", tokenizerAlphabet);
        m.put("dataset", dataset);
        m.put("dataset_prompt_field", datasetPromptField);
        m.put("dataset_train_split", datasetTrainSplit);
        m.put("dataset_test_split", datasetTestSplit);
        m.put("dataset_answer_field", datasetAnswerField);
        m.put("dataset_answer_format", datasetAnswerFormat.name().toLowerCase(java.util.Locale.ROOT));
        m.put("system_prompt", systemPrompt);
        m.put("apply_chat_template", applyChatTemplate == ChatTemplateMode.AUTO ? (Object) "auto"
                : (Object) (applyChatTemplate == ChatTemplateMode.TRUE));
        m.put("chat_template_kwargs", chatTemplateKwargs);
        m.put("eval_dataset", evalDataset);
        m.put("eval_samples", evalSamples);
        m.put("reward_funcs", rewardFuncs);
        m.put("reward_weights", rewardWeights);
        m.put("reward_timeout_ms", rewardTimeoutMs);
        m.put("reward_failure", rewardFailure.key());
        m.put("reward_wait_ms", rewardWaitMs);
        m.put("rollout_engine", rolloutEngine);
        m.put("num_generations", numGenerations);
        m.put("max_prompt_length", maxPromptLength);
        m.put("max_completion_length", maxCompletionLength);
        m.put("temperature", temperature);
        m.put("top_p", topP);
        m.put("top_k", topK);
        m.put("min_p", minP);
        putOptimisation(m);
        putLora(m);
        putObjective(m);
        putAsync(m);
        m.put("backend", backend.key());
        m.put("cuda_matmul", cudaMatmul.key());
        m.put("output_dir", outputDir);
        m.put("run_name", runName);
        m.put("save_steps", saveSteps);
        m.put("save_dtype", saveDtype);
        m.put("logging_steps", loggingSteps);
        m.put("report_to", reportTo);
        m.put("max_steps", maxSteps);
        m.put("seed", seed);
        m.put("plugins", plugins);
        return Collections.unmodifiableMap(m);
    }

    private void putOptimisation(Map<String, Object> m) {
        m.put("learning_rate", learningRate);
        m.put("lr_scheduler_type", lrSchedulerType.key());
        m.put("warmup_steps", warmupSteps);
        m.put("weight_decay", weightDecay);
        m.put("adam_beta1", adamBeta1);
        m.put("adam_beta2", adamBeta2);
        m.put("adam_epsilon", adamEpsilon);
        m.put("max_grad_norm", maxGradNorm);
        m.put("per_device_train_batch_size", perDeviceTrainBatchSize);
        m.put("gradient_accumulation_steps", gradientAccumulationSteps);
        m.put("gradient_checkpointing", gradientCheckpointing);
    }

    /** The LoRA adapter to train ({@code adapter: lora}), or null for full fine-tuning. */
    public LoraConfig loraAdapter() {
        return adapter.equals("lora") ? lora : null;
    }

    private void putLora(Map<String, Object> m) {
        m.put("adapter", adapter);
        m.put("lora_r", lora.r());
        m.put("lora_alpha", lora.alpha());
        m.put("lora_dropout", lora.dropout());
        m.put("lora_target_modules", lora.targetModules());
        m.put("use_rslora", lora.rslora());
    }

    private void putObjective(Map<String, Object> m) {
        m.put("beta", beta);
        m.put("epsilon", epsilon);
        m.put("epsilon_high", epsilonHigh);
        m.put("loss_type", lossType.key());
        m.put("scale_rewards", scaleRewards.key());
        m.put("multi_objective_aggregation", multiObjectiveAggregation.key());
        m.put("importance_sampling_level", importanceSamplingLevel.key());
        m.put("mask_truncated_completions", maskTruncatedCompletions);
        m.put("num_iterations", numIterations);
    }

    /** off_policy_mask_threshold is null (YAML null: off) unless given. */
    private void putAsync(Map<String, Object> m) {
        m.put("vllm_importance_sampling_correction", vllmImportanceSamplingCorrection);
        m.put("vllm_importance_sampling_mode", vllmImportanceSamplingMode.key());
        m.put("vllm_importance_sampling_cap", vllmImportanceSamplingCap);
        m.put("off_policy_mask_threshold", offPolicyMaskThreshold);
        m.put("async_prefetch", asyncPrefetch);
        m.put("prefetch_depth", prefetchDepth);
        m.put("max_staleness", maxStaleness);
        m.put("weight_sync_steps", weightSyncSteps);
    }

    private static Map<String, Map<String, Object>> copy(Map<String, Map<String, Object>> plugins) {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        plugins.forEach((pid, props) -> {
            Map<String, Object> p = new LinkedHashMap<>();
            props.forEach((k, v) -> p.put(Objects.requireNonNull(k),
                    v instanceof List<?> list ? List.copyOf(list) : Objects.requireNonNull(v)));
            out.put(Objects.requireNonNull(pid), Collections.unmodifiableMap(p));
        });
        return Collections.unmodifiableMap(out);
    }
}
