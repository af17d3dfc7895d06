package dev.cohort.trainer.internal.config;

import dev.cohort.trainer.internal.config.YamlNode.Entry;
import dev.cohort.trainer.internal.config.YamlNode.Mapping;
import dev.cohort.trainer.internal.data.AnswerFormat;
import dev.cohort.trainer.internal.data.ChatTemplateMode;
import dev.cohort.trainer.internal.objective.ImportanceSampling;
import dev.cohort.trainer.internal.objective.LossType;
import dev.cohort.trainer.internal.objective.RewardAggregation;
import dev.cohort.trainer.internal.objective.ScaleRewards;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Interprets the top-level mapping as a {@link RunConfig}: every key with its type, default and
 * range, then the checks that involve several keys, then the keys that are not known.
 */
final class RunConfigReader {

    static final List<String> TOKENIZERS = List.of("auto", "gpt2", "char");
    static final String BUILTIN = "builtin:";

    private static final String NUM_GENERATIONS = "num_generations";
    private static final String BATCH_SIZE = "per_device_train_batch_size";
    private static final String ACCUMULATION = "gradient_accumulation_steps";

    private final Mapping root;
    private final Problems problems;
    private final Fields f;
    private final Path baseDirectory;
    private final Path source;

    RunConfigReader(Mapping root, Problems problems, Path baseDirectory, Path source) {
        this.root = root;
        this.problems = problems;
        this.f = new Fields(root, problems);
        this.baseDirectory = baseDirectory;
        this.source = source;
    }

    /** The configuration, or null when a problem was reported. */
    RunConfig read() {
        Range nonNegative = Range.atLeast(0);
        Range positive = Range.atLeast(1);
        Range unitOpenHigh = Range.between(0, false, 1, true);
        String model = path("model", f.requiredString("model"));
        String tokenizer = tokenizer();
        String alphabet = f.string("tokenizer_alphabet", "");
        String dataset = existing("dataset", path("dataset", f.requiredString("dataset")));
        String promptField = f.nonEmptyString("dataset_prompt_field", "prompt");
        String trainSplit = f.nonEmptyString("dataset_train_split", "train");
        String testSplit = f.nonEmptyString("dataset_test_split", "test");
        String answerField = f.string("dataset_answer_field", "");
        AnswerFormat answerFormat = f.choice("dataset_answer_format", AnswerFormat.RAW, AnswerFormat.class);
        String systemPrompt = f.string("system_prompt", "");
        ChatTemplateMode chatTemplate = applyChatTemplate();
        Map<String, Object> chatTemplateKwargs = PluginsSection.values(f.given("chat_template_kwargs"),
                "chat_template_kwargs", problems);
        String evalDataset = existing("eval_dataset", path("eval_dataset", f.string("eval_dataset", "")));
        int evalSamples = f.integer("eval_samples", 0, nonNegative);
        List<String> rewardFuncs = rewardFuncs();
        List<Double> rewardWeights = f.numbers("reward_weights");
        long rewardTimeoutMs = f.longInteger("reward_timeout_ms", 60_000, Range.above(0));
        RewardFailureMode rewardFailure =
                f.choice("reward_failure", RewardFailureMode.WARN, RewardFailureMode.class);
        long rewardWaitMs = f.longInteger("reward_wait_ms", 30_000, nonNegative);
        String rolloutEngine = f.nonEmptyString("rollout_engine", "embedded");
        int numGenerations = f.integer(NUM_GENERATIONS, 8, Range.atLeast(2));
        int maxPromptLength = f.integer("max_prompt_length", 512, positive);
        int maxCompletionLength = f.integer("max_completion_length", 256, positive);
        double temperature = f.number("temperature", 1.0, nonNegative);
        double topP = f.number("top_p", 1.0, Range.between(0, true, 1, false));
        int topK = f.integer("top_k", 0, nonNegative);
        double minP = f.number("min_p", 0.0, Range.between(0, false, 1, false));
        double learningRate = f.number("learning_rate", 1e-6, nonNegative);
        LrSchedulerType lrScheduler =
                f.choice("lr_scheduler_type", LrSchedulerType.LINEAR, LrSchedulerType.class);
        int warmupSteps = f.integer("warmup_steps", 0, nonNegative);
        double weightDecay = f.number("weight_decay", 0.0, nonNegative);
        double adamBeta1 = f.number("adam_beta1", 0.9, unitOpenHigh);
        double adamBeta2 = f.number("adam_beta2", 0.999, unitOpenHigh);
        double adamEpsilon = f.number("adam_epsilon", 1e-8, Range.above(0));
        double maxGradNorm = f.number("max_grad_norm", 1.0, nonNegative);
        int batchSize = f.integer(BATCH_SIZE, 8, positive);
        int accumulation = f.integer(ACCUMULATION, 1, positive);
        boolean checkpointing = f.bool("gradient_checkpointing", false);
        String adapter = LoraSection.adapter(f);
        dev.cohort.trainer.internal.model.LoraConfig lora = LoraSection.read(f, adapter);
        double beta = f.number("beta", 0.0, nonNegative);
        double epsilon = f.number("epsilon", 0.2, unitOpenHigh);
        double epsilonHigh = f.number("epsilon_high", epsilon, nonNegative);
        LossType lossType = f.choice("loss_type", LossType.DAPO, LossType.class);
        ScaleRewards scaleRewards = scaleRewards();
        RewardAggregation aggregation = f.choice("multi_objective_aggregation",
                RewardAggregation.SUM_THEN_NORMALIZE, RewardAggregation.class);
        ImportanceSampling sampling = f.choice("importance_sampling_level",
                ImportanceSampling.TOKEN, ImportanceSampling.class);
        boolean maskTruncated = f.bool("mask_truncated_completions", false);
        int numIterations = f.integer("num_iterations", 1, positive);
        AsyncKeys.Values async = AsyncKeys.read(f);
        BackendChoice backend = f.choice("backend", BackendChoice.AUTO, BackendChoice.class);
        CudaMatmul cudaMatmul = f.choice("cuda_matmul", CudaMatmul.FP32, CudaMatmul.class);
        String outputDir = path("output_dir", f.nonEmptyString("output_dir", "runs"));
        String runName = f.string("run_name", "");
        int saveSteps = f.integer("save_steps", 0, nonNegative);
        String saveDtype = f.choice("save_dtype", "auto", List.of("auto", "float32", "bfloat16", "float16"), s -> s);
        int loggingSteps = f.integer("logging_steps", 1, positive);
        List<String> reportTo = reportTo();
        int maxSteps = f.requiredInt("max_steps", positive);
        long seed = f.longInteger("seed", 42, Range.ANY);
        Map<String, Map<String, Object>> plugins =
                PluginsSection.read(f.given(PluginsSection.KEY), problems);

        checkTokenizer(tokenizer, alphabet);
        checkDatasetMapping(answerField, answerFormat, systemPrompt, chatTemplate);
        checkGenerationBatch(numGenerations, batchSize, accumulation);
        checkSaveSteps(saveSteps, numIterations);
        rewardWeights = rewardWeights(rewardFuncs, rewardWeights);
        reportUnknownKeys();
        if (!problems.isEmpty()) {
            return null;
        }
        return new RunConfig(model, tokenizer, alphabet, dataset, promptField, trainSplit, testSplit,
                answerField, answerFormat, systemPrompt, chatTemplate, chatTemplateKwargs, evalDataset,
                evalSamples, rewardFuncs, rewardWeights, rewardTimeoutMs, rewardFailure,
                rewardWaitMs, rolloutEngine, numGenerations, maxPromptLength, maxCompletionLength,
                temperature, topP, topK, minP, learningRate, lrScheduler, warmupSteps, weightDecay,
                adamBeta1, adamBeta2, adamEpsilon, maxGradNorm, batchSize, accumulation, checkpointing, adapter,
                lora, beta,
                epsilon, epsilonHigh, lossType, scaleRewards, aggregation, sampling, maskTruncated,
                numIterations, async.correction(), async.mode(), async.cap(), async.maskThreshold(),
                async.prefetch(), async.depth(), async.maxStaleness(), async.syncSteps(), backend, cudaMatmul, outputDir,
                runName, saveSteps, saveDtype, loggingSteps, reportTo, maxSteps,
                seed,
                plugins, source);
    }

    /**
     * A path resolved against the YAML file's directory and made absolute; kept as it is when it
     * is empty (none), a {@code builtin:} dataset, or a model size with no directory of that name
     * next to the YAML (a directory {@code gpt2} beside it is loaded for {@code model: gpt2}).
     */
    private String path(String key, String value) {
        if (value == null || value.isEmpty() || !f.valid(key)) {
            return value;
        }
        if (key.equals("model") && dev.cohort.trainer.internal.model.ModelConfig.isNamed(value)
                && !isDirectory(value)) {
            return value; // a directory of that name next to the YAML wins over the named size
        }
        if (!key.equals("model") && value.startsWith(BUILTIN)) {
            if (value.length() == BUILTIN.length()) {
                f.problem(key, f.line(key), "names no task after " + BUILTIN);
            }
            return value;
        }
        try {
            return baseDirectory.resolve(value).toAbsolutePath().normalize().toString();
        } catch (InvalidPathException e) {
            f.problem(key, f.line(key), "not a valid path: " + e.getMessage());
            return value;
        }
    }

    /**
     * A dataset path that names a file or directory that does not exist is reported at its line
     * (a glob is matched when the dataset is read; builtin: tasks always exist). Only for a file
     * (a text parsed on its own names files that need not exist yet).
     */
    private String existing(String key, String value) {
        if (source != null && value != null && !value.isEmpty() && f.valid(key) && !value.startsWith(BUILTIN)
                && !value.matches(".*[*?\\[{].*") && !java.nio.file.Files.exists(Path.of(value))) {
            f.problem(key, f.line(key), "no such file or directory: " + value);
        }
        return value;
    }

    private boolean isDirectory(String value) {
        try {
            return java.nio.file.Files.isDirectory(baseDirectory.resolve(value));
        } catch (InvalidPathException e) {
            return false;
        }
    }

    /**
     * {@code tokenizer}: auto, gpt2, char, or a directory holding a Hugging Face tokenizer.json
     * (and tokenizer_config.json with the chat template), resolved as the model's path.
     */
    private String tokenizer() {
        String v = f.string("tokenizer", "auto");
        if (!f.valid("tokenizer") || TOKENIZERS.contains(v)) {
            return v;
        }
        String dir = path("tokenizer", v);
        if (f.valid("tokenizer") && !java.nio.file.Files.isRegularFile(java.nio.file.Path.of(dir, "tokenizer.json"))) {
            f.problem("tokenizer", f.line("tokenizer"), "must be auto, gpt2, char or a directory with a"
                    + " tokenizer.json; " + dir + " has no tokenizer.json");
        }
        return dir;
    }

    private List<String> rewardFuncs() {
        String key = "reward_funcs";
        if (f.given(key) == null) {
            f.missing(key);
            return List.of();
        }
        List<String> funcs = f.strings(key);
        if (funcs.isEmpty() && f.valid(key)) {
            f.problem(key, f.line(key), "must name at least one reward function");
        }
        return funcs;
    }

    /**
     * {@code report_to} (TRL's key): the reporting plugins that must write this run, by their
     * training listener's name, as one name or a list; {@code all} (the default: every one that is
     * installed) and {@code none} (no reporting plugin writes it) stand alone.
     */
    private List<String> reportTo() {
        String key = "report_to";
        Entry e = f.given(key);
        if (e == null) {
            return List.of("all");
        }
        List<String> names;
        if (e.value() instanceof YamlNode.Scalar s && s.value() instanceof String one) {
            if (one.isEmpty()) {
                f.problem(key, e.line(), "must not be empty; none turns reporting off");
            }
            names = List.of(one);
        } else {
            names = f.strings(key);
        }
        if (f.valid(key) && names.size() > 1 && (names.contains("all") || names.contains("none"))) {
            f.problem(key, e.line(), "all and none stand alone, got " + names);
        }
        return names;
    }

    /** {@code scale_rewards}: group, batch or none; TRL's legacy true and false: group and none. */
    private ScaleRewards scaleRewards() {
        Entry e = f.given("scale_rewards");
        if (e != null && e.value() instanceof YamlNode.Scalar s && s.value() instanceof Boolean b) {
            return b ? ScaleRewards.GROUP : ScaleRewards.NONE;
        }
        return f.choice("scale_rewards", ScaleRewards.GROUP, ScaleRewards.class);
    }

    /** {@code apply_chat_template}: auto, or true / false (YAML booleans). */
    private ChatTemplateMode applyChatTemplate() {
        Entry e = f.given("apply_chat_template");
        if (e != null && e.value() instanceof YamlNode.Scalar s && s.value() instanceof Boolean b) {
            return b ? ChatTemplateMode.TRUE : ChatTemplateMode.FALSE;
        }
        if (e != null && !(e.value() instanceof YamlNode.Scalar s && "auto".equals(s.value()))) {
            f.problem("apply_chat_template", e.line(), "must be auto, true or false, got " + e.value().describe());
        }
        return ChatTemplateMode.AUTO;
    }

    /** A system prompt needs messages; a GSM8K answer needs the field it is taken from. */
    private void checkDatasetMapping(String answerField, AnswerFormat format, String systemPrompt,
            ChatTemplateMode chatTemplate) {
        if (f.valid("system_prompt") && f.valid("apply_chat_template") && !systemPrompt.isEmpty()
                && chatTemplate == ChatTemplateMode.FALSE) {
            f.problem("system_prompt", firstLine("system_prompt", "apply_chat_template"),
                    "is a system message, which needs the chat template; apply_chat_template is false");
        }
        if (f.valid("dataset_answer_format") && f.valid("dataset_answer_field") && format != AnswerFormat.RAW
                && answerField.isEmpty()) {
            f.problem("dataset_answer_field", firstLine("dataset_answer_field", "dataset_answer_format"),
                    "required when dataset_answer_format is " + format.name().toLowerCase(java.util.Locale.ROOT));
        }
    }

    private void checkTokenizer(String tokenizer, String alphabet) {
        String key = "tokenizer_alphabet";
        if (!f.valid("tokenizer") || !f.valid(key)) {
            return;
        }
        int line = f.line(key) != 0 ? f.line(key) : f.line("tokenizer");
        if (tokenizer.equals("char") && alphabet.isEmpty()) {
            f.problem(key, line, "required when tokenizer is char");
        }
        Set<Integer> seen = new HashSet<>();
        alphabet.codePoints().filter(cp -> !seen.add(cp)).findFirst().ifPresent(cp ->
                f.problem(key, line, "repeats " + YamlNode.quote(Character.toString(cp))));
    }

    /** The generation batch must hold a whole number of groups of num_generations. */
    private void checkGenerationBatch(int generations, int batchSize, int accumulation) {
        if (!f.valid(NUM_GENERATIONS) || !f.valid(BATCH_SIZE) || !f.valid(ACCUMULATION)) {
            return;
        }
        long batch = (long) batchSize * accumulation;
        String product = BATCH_SIZE + " * " + ACCUMULATION + " = " + batchSize + " * "
                + accumulation + " = " + batch;
        int line = firstLine(NUM_GENERATIONS, BATCH_SIZE, ACCUMULATION);
        if (batch > Integer.MAX_VALUE) {
            problems.at(firstLine(BATCH_SIZE, ACCUMULATION), BATCH_SIZE,
                    "the generation batch " + product + " is too large");
        } else if (batch % generations != 0) {
            problems.at(line, NUM_GENERATIONS,
                    generations + " does not divide the generation batch " + product);
        }
    }

    /** Checkpoints are taken between generation batches, each used for num_iterations steps. */
    private void checkSaveSteps(int saveSteps, int numIterations) {
        if (f.valid("save_steps") && f.valid("num_iterations") && saveSteps % numIterations != 0) {
            f.problem("save_steps", firstLine("save_steps", "num_iterations"), saveSteps
                    + " is not a multiple of num_iterations " + numIterations
                    + " (a checkpoint is taken between generation batches)");
        }
    }

    private int firstLine(String... keys) {
        for (String key : keys) {
            if (f.line(key) != 0) {
                return f.line(key);
            }
        }
        return 0;
    }

    /** One weight per reward function: the file's, or 1 each when it gives none. */
    private List<Double> rewardWeights(List<String> funcs, List<Double> weights) {
        String key = "reward_weights";
        if (f.given(key) == null) {
            return Collections.nCopies(funcs.size(), 1.0);
        }
        if (f.valid(key) && f.valid("reward_funcs") && !funcs.isEmpty()
                && weights.size() != funcs.size()) {
            f.problem(key, f.line(key), weights.size() + " weights for " + funcs.size()
                    + " reward functions; give one weight per entry of reward_funcs");
        }
        return weights;
    }

    private void reportUnknownKeys() {
        for (Entry e : root.entries().values()) {
            if (!f.known().contains(e.key())) {
                String closest = Suggestions.closest(e.key(), f.known());
                String hint = closest == null ? "" : "; did you mean " + closest + "?";
                problems.at(e.line(), e.key(), "unknown key" + hint);
            }
        }
    }
}
