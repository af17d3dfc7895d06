package dev.cohort.trainer.internal.task;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.checkpoint.DType;
import dev.cohort.trainer.internal.model.AdamW;
import dev.cohort.trainer.internal.model.HfCheckpoint;
import dev.cohort.trainer.internal.model.ModelConfig;
import dev.cohort.trainer.internal.model.ModelInit;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.model.LrSchedule;
import dev.cohort.trainer.internal.tokenizer.CharTokenizer;
import dev.cohort.trainer.internal.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The supervised warm-up of the quick start's policy: a small GPT-2 trained with cross-entropy on
 * the answer (and EOS) of a subset of the addition task's train problems, stopped early, as soon
 * as its greedy accuracy on other train problems (a validation slice, never the held-out ones)
 * reaches a target. Partial competence is the point: GRPO learns only from groups where some
 * completions succeed and others fail.
 *
 * <p>Usage (every argument optional; the defaults made the committed checkpoint):
 * <pre>
 * Warmup [--out DIR]            checkpoint directory (examples/addition/warmup)
 *        [--layers N]           n_layer (2)
 *        [--embd N]             n_embd (64)
 *        [--heads N]            n_head (4)
 *        [--positions N]        n_positions (16)
 *        [--problems N]         size of the warm-up subset: the first N train problems of the
 *                               task's fixed order (2000)
 *        [--validation N]       train problems after the subset used to decide when to stop (500)
 *        [--target X]           stop at the first evaluation with validation accuracy >= X (0.3)
 *        [--batch N]            sequences per step (64)
 *        [--lr X]               AdamW learning rate, constant after a linear warm-up (1e-3)
 *        [--warmup-steps N]     learning-rate warm-up (20)
 *        [--eval-every N]       steps between evaluations (2)
 *        [--max-steps N]        give up after this many steps (4000)
 *        [--seed N]             initialisation and batch order (1)
 *        [--threads N]          compute threads (all processors)
 * </pre>
 * The run is deterministic: the Java backend's results do not depend on the thread count.
 * The directory receives config.json, model.safetensors (F32) and tokenizer.json
 * (a Hugging Face tokenizer.json of the character tokenizer, which AutoTokenizer loads).
 */
public final class Warmup {

    /** The tokenizer description written beside config.json. */
    public static final String TOKENIZER_FILE = "tokenizer.json";

    /** Settings, with the defaults of the committed checkpoint. */
    public record Settings(Path out, int layers, int embd, int heads, int positions, int problems, int validation,
            double target, int batch, double lr, int warmupSteps, int evalEvery, int maxSteps, long seed,
            int threads) {

        public static Settings defaults() {
            return new Settings(Path.of("examples/addition/warmup"), 2, 64, 4, 16, 2000, 500, 0.3, 64, 1e-3, 20, 2,
                    4000, 1, Runtime.getRuntime().availableProcessors());
        }

        static Settings parse(String[] args) {
            Settings s = defaults();
            Path out = s.out;
            int layers = s.layers;
            int embd = s.embd;
            int heads = s.heads;
            int positions = s.positions;
            int problems = s.problems;
            int validation = s.validation;
            double target = s.target;
            int batch = s.batch;
            double lr = s.lr;
            int warmupSteps = s.warmupSteps;
            int evalEvery = s.evalEvery;
            int maxSteps = s.maxSteps;
            long seed = s.seed;
            int threads = s.threads;
            for (int i = 0; i < args.length; i++) {
                String key = args[i];
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(key + " needs a value");
                }
                String v = args[++i];
                switch (key) {
                    case "--out" -> out = Path.of(v);
                    case "--layers" -> layers = Integer.parseInt(v);
                    case "--embd" -> embd = Integer.parseInt(v);
                    case "--heads" -> heads = Integer.parseInt(v);
                    case "--positions" -> positions = Integer.parseInt(v);
                    case "--problems" -> problems = Integer.parseInt(v);
                    case "--validation" -> validation = Integer.parseInt(v);
                    case "--target" -> target = Double.parseDouble(v);
                    case "--batch" -> batch = Integer.parseInt(v);
                    case "--lr" -> lr = Double.parseDouble(v);
                    case "--warmup-steps" -> warmupSteps = Integer.parseInt(v);
                    case "--eval-every" -> evalEvery = Integer.parseInt(v);
                    case "--max-steps" -> maxSteps = Integer.parseInt(v);
                    case "--seed" -> seed = Long.parseLong(v);
                    case "--threads" -> threads = Integer.parseInt(v);
                    default -> throw new IllegalArgumentException("unknown argument " + key);
                }
            }
            return new Settings(out, layers, embd, heads, positions, problems, validation, target, batch, lr,
                    warmupSteps, evalEvery, maxSteps, seed, threads);
        }
    }

    /** What a warm-up run reached. */
    public record Result(int steps, double loss, double validationAccuracy, double heldOutAccuracy, long parameters) {
    }

    private Warmup() {
    }

    public static void main(String[] args) throws IOException {
        Settings s;
        try {
            s = Settings.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage() + "\nsee the javadoc of " + Warmup.class.getName() + " for the arguments");
            System.exit(2);
            return;
        }
        long t0 = System.nanoTime();
        Result r = run(s, true);
        System.out.printf(Locale.ROOT, "saved %s: %d parameters, %d steps, validation accuracy %.3f,"
                + " held-out accuracy %.3f, %.1f s%n", s.out, r.parameters, r.steps, r.validationAccuracy,
                r.heldOutAccuracy, (System.nanoTime() - t0) / 1e9);
    }

    /** Trains, saves into {@code s.out()} and returns what it reached. */
    public static Result run(Settings s, boolean log) throws IOException {
        AdditionTask task = new AdditionTask();
        CharTokenizer tok = AdditionTask.tokenizer();
        List<AdditionTask.Problem> trainProblems = task.trainProblems();
        if (s.problems + s.validation > trainProblems.size()) {
            throw new IllegalArgumentException("--problems " + s.problems + " + --validation " + s.validation
                    + " exceeds the " + trainProblems.size() + " train problems");
        }
        List<AdditionTask.Problem> subset = trainProblems.subList(0, s.problems);
        List<Map<String, Object>> validation = AdditionTask.rows(
                trainProblems.subList(s.problems, s.problems + s.validation));
        ModelConfig cfg = ModelConfig.gpt2(s.layers, s.heads, s.embd, s.positions, tok.vocabSize(), 1e-5f, tok.eos());
        int t = AdditionTask.PROMPT_TOKENS + AdditionTask.MAX_ANSWER_TOKENS + 1;
        SplittableRandom order = new SplittableRandom(s.seed);
        try (JavaBackend be = new JavaBackend(s.threads);
                PolicyModel model = new PolicyModel(be, cfg);
                AdamW opt = new AdamW(model, AdamW.Settings.defaults())) {
            ModelInit.initialize(model, s.seed);
            LrSchedule lr = new LrSchedule(LrSchedule.Kind.CONSTANT, s.lr, s.warmupSteps, s.maxSteps);
            int[] tokens = new int[s.batch * t];
            int[] targets = new int[s.batch * t];
            float[] dlogp = new float[s.batch * t];
            float[] logp = new float[s.batch * t];
            double acc = 0;
            double loss = Double.NaN;
            int step = 0;
            while (step < s.maxSteps) {
                int count = SupervisedBatch.fill(subset, order, tok, t, tokens, targets, s.batch);
                for (int i = 0; i < targets.length; i++) {
                    dlogp[i] = targets[i] < 0 ? 0f : -1f / count;
                }
                model.zeroGrads();
                model.forward(tokens, s.batch, t);
                model.logprobs(targets, 1f, logp, null);
                double sum = 0;
                for (int i = 0; i < targets.length; i++) {
                    if (targets[i] >= 0) {
                        sum -= logp[i];
                    }
                }
                loss = sum / count;
                model.backward(targets, dlogp, 1f);
                opt.update(lr.lr(step));
                step++;
                if (step % s.evalEvery == 0 || step == s.maxSteps) {
                    acc = Evaluation.accuracy(model, tok, validation);
                    if (log) {
                        System.out.printf(Locale.ROOT, "step %5d  loss %.4f  validation accuracy %.3f%n", step, loss,
                                acc);
                    }
                    if (acc >= s.target) {
                        break;
                    }
                }
            }
            if (log && acc < s.target) {
                System.out.printf(Locale.ROOT, "warning: validation accuracy %.3f is below the target %.3f after"
                        + " --max-steps %d; saving anyway%n", acc, s.target, s.maxSteps);
            }
            double heldOut = Evaluation.accuracy(model, tok, task.heldOutRows());
            HfCheckpoint.save(model, s.out, DType.F32);
            writeTokenizer(s.out, tok);
            return new Result(step, loss, acc, heldOut, model.layout().total());
        }
    }

    /** Writes tokenizer.json: a Hugging Face file of the character tokenizer (see TokenizerFiles). */
    public static void writeTokenizer(Path dir, CharTokenizer tok) throws IOException {
        TokenizerFiles.write(dir, tok);
    }
}
