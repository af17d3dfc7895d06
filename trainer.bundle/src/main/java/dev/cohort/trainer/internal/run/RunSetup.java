package dev.cohort.trainer.internal.run;

import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.backend.CudaBackend;
import dev.cohort.trainer.internal.data.ChatRenderer;
import dev.cohort.trainer.internal.config.RunConfig;
import dev.cohort.trainer.internal.config.RunConfigParser;
import dev.cohort.trainer.internal.data.DatasetRow;
import dev.cohort.trainer.internal.model.AdamW;
import dev.cohort.trainer.internal.model.HfCheckpoint;
import dev.cohort.trainer.internal.model.ModelConfig;
import dev.cohort.trainer.internal.model.ModelInit;
import dev.cohort.trainer.internal.model.ModelType;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.model.LrSchedule;
import dev.cohort.trainer.internal.reward.RewardScoring;
import dev.cohort.trainer.internal.tokenizer.CharTokenizer;
import dev.cohort.trainer.internal.tokenizer.Gpt2Tokenizer;
import dev.cohort.trainer.internal.tokenizer.Tokenizer;
import dev.cohort.trainer.internal.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Turns a configuration file into a {@link PreparedRun}: parses and validates it (every problem
 * with its line, nothing starts otherwise), picks the backend, loads or initialises the model
 * and its tokenizer, reads the prompts and held-out rows.
 */
final class RunSetup {

    private RunSetup() {
    }

    /** Picks a prepared run's id and directory ({@link RunManager}: {@link RunDirectories}). */
    interface Naming {
        RunDirectories.Allocated allocate(RunConfig c, String name, boolean resumed) throws IOException;
    }

    static PreparedRun prepare(Path file, Path resume, RewardScoring scoring, Naming naming) throws IOException {
        RunConfig c = RunConfigParser.parse(file);
        RunDirectories.checkWritable(Path.of(c.outputDir()), file + ": output_dir");
        BackendSelection.Selected selected = BackendSelection.select(c.backend(), c.cudaMatmul(), c.source(),
                BackendSelection.SYSTEM, cudaCannotRun(plannedType(c, resume), c.loraAdapter() != null));
        Backend backend = selected.backend();
        PolicyModel model = null;
        PolicyModel reference = null;
        try {
            Tokenizer tok;
            String runId;
            if (resume != null) {
                TrainerState.Saved saved = TrainerState.read(resume);
                model = LoraRuns.isAdapterCheckpoint(resume) ? LoraRuns.resume(c, resume, backend)
                        : HfCheckpoint.load(resume, backend);
                model.gradientCheckpointing(c.gradientCheckpointing());
                tok = TokenizerFiles.read(resume, model.config().vocabSize());
                runId = saved.runId();
            } else {
                ModelAndTokenizer mt = load(c, backend);
                model = mt.model;
                model.gradientCheckpointing(c.gradientCheckpointing());
                tok = mt.tok;
                runId = c.runName().isEmpty() ? RunManager.defaultRunId(file) : c.runName();
                LoraRuns.attach(c, model, backend);
            }
            if (c.beta() > 0) {
                // under LoRA the reference is the policy with its adapters off: no second copy
                reference = c.loraAdapter() != null ? model : load(c, backend).model;
            }
            if (c.maxCompletionLength() >= model.config().nPositions()) {
                throw new IllegalArgumentException(file + ": max_completion_length " + c.maxCompletionLength()
                        + " leaves no room for a prompt in the model's n_positions " + model.config().nPositions());
            }
            List<DatasetRow> rows = Datasets.load(c, false);
            List<DatasetRow> eval = c.evalDataset().isEmpty() ? List.of() : Datasets.load(c, true);
            if (c.evalSamples() > 0 && eval.size() > c.evalSamples()) {
                eval = eval.subList(0, c.evalSamples());
            }
            ChatRenderer chat = ChatPrompts.of(resume != null ? resume
                    : tokenizerDirectory(c) != null ? tokenizerDirectory(c) : Path.of(c.model()),
                    c.chatTemplateKwargs());
            PromptSource prompts = PromptSource.of(rows, chat, tok, c.maxPromptLength(), c.seed());
            PromptSource evalPrompts = eval.isEmpty() ? null
                    : PromptSource.of(eval, chat, tok, c.maxPromptLength(), c.seed());
            RunDirectories.Allocated where = naming.allocate(c, runId, resume != null);
            TrainerSettings s = settings(c, where.id(), c.maxSteps(), c.saveSteps(), c.loggingSteps(), where.dir());
            return new PreparedRun(s, backend, selected.description(), model, reference, tok,
                    prompts, evalPrompts == null ? List.of() : evalPrompts.rows(), evalPrompts,
                    c.rolloutEngine(), c.plugins(), c.toMap(), resume, modelInfo(c, resume),
                    resume != null && !c.runName().isEmpty() && !c.runName().equals(runId)
                            ? "resuming run '" + runId + "' of " + resume + " (its run id); run_name '" + c.runName()
                                    + "' is not used" : where.note());
        } catch (IOException | RuntimeException e) {
            if (model != null) {
                model.close();
            }
            if (reference != null && reference != model) {
                reference.close();
            }
            backend.close();
            throw e;
        }
    }

    /**
     * The trainer's settings from the configuration, but for the run id, the steps to run, the
     * checkpoint and logging intervals and the run directory (the benchmark harness sets these).
     * The learning-rate schedule always spans the configuration's {@code max_steps}.
     */
    static TrainerSettings settings(RunConfig c, String runId, int maxSteps, int saveSteps, int loggingSteps,
            Path runDir) {
        return new TrainerSettings(runId, maxSteps, c.numGenerations(), c.promptsPerStep(),
                c.perDeviceTrainBatchSize(), c.maxPromptLength(), c.maxCompletionLength(), (float) c.temperature(),
                (float) c.topP(), c.topK(), (float) c.minP(), c.seed(), c.objectiveConfig(),
                new AdamW.Settings((float) c.adamBeta1(), (float) c.adamBeta2(), (float) c.adamEpsilon(),
                        (float) c.weightDecay(), false, (float) c.maxGradNorm()),
                new LrSchedule(LrSchedule.parse(c.lrSchedulerType().key()), c.learningRate(), c.warmupSteps(),
                        c.maxSteps()),
                c.rewardSpecs(), c.scoringPolicy(), saveSteps, loggingSteps, runDir, c.saveDtype(),
                c.offPolicySettings(), new AsyncSettings(c.asyncPrefetch(), c.prefetchDepth(), c.maxStaleness(),
                        c.weightSyncSteps()));
    }

    /** Which model the run loads: the checkpoint, the directory, or the named size (and why). */
    static String modelInfo(RunConfig c, Path resume) {
        if (resume != null) {
            return "model: the checkpoint " + resume + " (--resume)";
        }
        if (Files.isDirectory(Path.of(c.model()))) {
            return "model: the checkpoint directory " + c.model();
        }
        return "model: the named size '" + c.model() + "', initialised randomly from seed " + c.seed()
                + " (no directory of that name next to the configuration)";
    }

    /**
     * The model_type the run will load: from the checkpoint's config.json, or the named size's
     * (a LoRA checkpoint holds adapters only: the base is the configured model).
     */
    private static ModelType plannedType(RunConfig c, Path resume) throws IOException {
        boolean fullCheckpoint = resume != null && !LoraRuns.isAdapterCheckpoint(resume);
        Path dir = fullCheckpoint ? resume : Path.of(c.model());
        if (Files.isDirectory(dir)) {
            return HfCheckpoint.config(dir).type();
        }
        try {
            return ModelConfig.named(c.model()).type();
        } catch (IllegalArgumentException e) {
            return ModelType.GPT2; // load() reports the unknown name
        }
    }

    private static String cudaCannotRun(ModelType type, boolean lora) {
        if (lora && LoraRuns.cudaCannotRun() != null) {
            return LoraRuns.cudaCannotRun();
        }
        return type.llamaBlock() && !CudaBackend.runsLlamaFamily()
                ? "the CUDA kernels of the Llama family (RMSNorm, rotary embeddings, SwiGLU, grouped-query attention)"
                        + " have not yet passed their parity tests on a GPU; " + type.hfName() + " models run on the"
                        + " Java backend unless -D" + CudaBackend.LLAMA_PROPERTY + "=true is given"
                : null;
    }

    record ModelAndTokenizer(PolicyModel model, Tokenizer tok) {
    }

    /** The configured model: a checkpoint directory, or a named size initialised from the seed. */
    static ModelAndTokenizer load(RunConfig c, Backend backend) throws IOException {
        Path dir = Path.of(c.model());
        if (Files.isDirectory(dir)) {
            PolicyModel m = HfCheckpoint.load(dir, backend);
            Tokenizer tok = c.tokenizer().equals("auto") ? TokenizerFiles.read(dir, m.config().vocabSize())
                    : explicit(c);
            if (tok.vocabSize() > m.config().vocabSize()) {
                m.close();
                throw new IllegalArgumentException(c.source() + ": tokenizer " + tok.name() + " has " + tok.vocabSize()
                        + " token ids, more than the model's vocab_size " + m.config().vocabSize());
            }
            return new ModelAndTokenizer(m, tok);
        }
        ModelConfig size;
        try {
            size = ModelConfig.named(c.model());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(c.source() + ": model: '" + c.model()
                    + "' is neither a checkpoint directory nor a known size (" + e.getMessage().replaceFirst(".*known: ", "")
                    + ")");
        }
        if (size.type().llamaBlock() && c.tokenizer().equals("auto")) {
            throw new IllegalArgumentException(c.source() + ": model: '" + c.model() + "' is a random "
                    + size.type().hfName() + " initialisation without a tokenizer; set tokenizer to a directory"
                    + " with the family's tokenizer.json, or char (with tokenizer_alphabet) or gpt2");
        }
        ModelConfig cfg;
        Tokenizer tok;
        if (tokenizerDirectory(c) != null) {
            // a real tokenizer: the shape keeps its vocabulary (the embedding rows of the family)
            tok = TokenizerFiles.read(tokenizerDirectory(c), size.vocabSize());
            cfg = size.type().llamaBlock() ? size : size.withVocabulary(size.vocabSize(), tok.eos());
        } else {
            tok = c.tokenizer().equals("auto") ? new Gpt2Tokenizer() : explicit(c);
            cfg = size.withVocabulary(tok.vocabSize(), tok.eos());
        }
        PolicyModel m = new PolicyModel(backend, cfg);
        ModelInit.initialize(m, c.seed());
        return new ModelAndTokenizer(m, tok);
    }

    private static Tokenizer explicit(RunConfig c) throws IOException {
        if (tokenizerDirectory(c) != null) {
            return TokenizerFiles.read(tokenizerDirectory(c), Integer.MAX_VALUE);
        }
        return c.tokenizer().equals("char") ? new CharTokenizer(c.tokenizerAlphabet()) : new Gpt2Tokenizer();
    }

    /** The directory {@code tokenizer:} names (its tokenizer.json and chat template), or null. */
    static Path tokenizerDirectory(RunConfig c) {
        return List.of("auto", "gpt2", "char").contains(c.tokenizer()) ? null : Path.of(c.tokenizer());
    }
}
