package dev.cohort.trainer.internal.run;

import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.config.RunConfig;
import dev.cohort.trainer.internal.config.RunConfigParser;
import dev.cohort.trainer.internal.data.DatasetRow;
import dev.cohort.trainer.internal.model.AdamW;
import dev.cohort.trainer.internal.model.Gpt2Checkpoint;
import dev.cohort.trainer.internal.model.Gpt2Config;
import dev.cohort.trainer.internal.model.Gpt2Init;
import dev.cohort.trainer.internal.model.Gpt2Model;
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

    static PreparedRun prepare(Path file, Path resume, RewardScoring scoring) throws IOException {
        RunConfig c = RunConfigParser.parse(file);
        BackendSelection.Selected selected = BackendSelection.select(c.backend(), c.cudaMatmul(), c.source(),
                BackendSelection.SYSTEM);
        Backend backend = selected.backend();
        Gpt2Model model = null;
        Gpt2Model reference = null;
        try {
            Tokenizer tok;
            String runId;
            if (resume != null) {
                TrainerState.Saved saved = TrainerState.read(resume);
                model = Gpt2Checkpoint.load(resume, backend);
                tok = TokenizerFiles.read(resume, model.config().vocabSize());
                runId = saved.runId();
            } else {
                ModelAndTokenizer mt = load(c, backend);
                model = mt.model;
                tok = mt.tok;
                runId = c.runName().isEmpty() ? RunManager.defaultRunId(file) : c.runName();
            }
            if (c.beta() > 0) {
                reference = load(c, backend).model;
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
            PromptSource prompts = PromptSource.of(rows, Datasets.NO_CHAT_TEMPLATE, c.seed());
            PromptSource evalPrompts = eval.isEmpty() ? null : PromptSource.of(eval, Datasets.NO_CHAT_TEMPLATE, c.seed());
            Path runDir = Path.of(c.outputDir()).resolve(runId);
            TrainerSettings s = settings(c, runId, c.maxSteps(), c.saveSteps(), c.loggingSteps(), runDir);
            return new PreparedRun(s, backend, selected.description(), model, reference, tok,
                    prompts, evalPrompts == null ? List.of() : evalPrompts.rows(), evalPrompts,
                    c.rolloutEngine(), c.plugins(), c.toMap(), resume);
        } catch (IOException | RuntimeException e) {
            if (model != null) {
                model.close();
            }
            if (reference != null) {
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
                c.rewardSpecs(), c.scoringPolicy(), saveSteps, loggingSteps, runDir);
    }

    record ModelAndTokenizer(Gpt2Model model, Tokenizer tok) {
    }

    /** The configured model: a checkpoint directory, or a named size initialised from the seed. */
    static ModelAndTokenizer load(RunConfig c, Backend backend) throws IOException {
        Path dir = Path.of(c.model());
        if (Files.isDirectory(dir)) {
            Gpt2Model m = Gpt2Checkpoint.load(dir, backend);
            Tokenizer tok = c.tokenizer().equals("auto") ? TokenizerFiles.read(dir, m.config().vocabSize())
                    : explicit(c);
            if (tok.vocabSize() != m.config().vocabSize()) {
                m.close();
                throw new IllegalArgumentException(c.source() + ": tokenizer " + tok.name() + " has " + tok.vocabSize()
                        + " tokens but the model's vocab_size is " + m.config().vocabSize());
            }
            return new ModelAndTokenizer(m, tok);
        }
        Gpt2Config size;
        try {
            size = Gpt2Config.named(c.model());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(c.source() + ": model: '" + c.model()
                    + "' is neither a checkpoint directory nor a known size (gpt2, gpt2-medium, gpt2-large, gpt2-xl, tiny)");
        }
        Tokenizer tok = c.tokenizer().equals("auto") ? new Gpt2Tokenizer() : explicit(c);
        Gpt2Config cfg = new Gpt2Config(size.nLayer(), size.nHead(), size.nEmbd(), size.nPositions(), tok.vocabSize(),
                size.layerNormEpsilon(), tok.eos());
        Gpt2Model m = new Gpt2Model(backend, cfg);
        Gpt2Init.initialize(m, c.seed());
        return new ModelAndTokenizer(m, tok);
    }

    private static Tokenizer explicit(RunConfig c) {
        return c.tokenizer().equals("char") ? new CharTokenizer(c.tokenizerAlphabet()) : new Gpt2Tokenizer();
    }
}
