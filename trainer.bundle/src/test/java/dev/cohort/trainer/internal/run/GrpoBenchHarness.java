package dev.cohort.trainer.internal.run;

import dev.cohort.api.reward.RewardInput;
import dev.cohort.api.training.TrainingMetrics;
import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.config.RunConfig;
import dev.cohort.trainer.internal.config.RunConfigParser;
import dev.cohort.trainer.internal.model.ModelConfig;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.reward.RewardColumns;
import dev.cohort.trainer.internal.reward.RewardScoring;
import dev.cohort.trainer.internal.reward.RewardSpec;
import dev.cohort.trainer.internal.reward.ScoringPolicy;
import dev.cohort.trainer.internal.task.Grading;
import dev.cohort.trainer.internal.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Drives the real GRPO loop ({@link GrpoTrainer} with the {@link EmbeddedEngine}) outside OSGi on
 * a backend the caller made, for benchmarks: the run is prepared as {@link RunSetup} prepares it
 * (same model, tokenizer, prompts and settings from the configuration file), except that the
 * backend is the caller's (the configuration's {@code backend} key is ignored), the run directory
 * is a temporary one and no checkpoint is written before the end. The {@code accuracy} reward is
 * scored in process by {@link Grading} (the rewards bundle's grading, restated); other reward
 * names are refused.
 */
public final class GrpoBenchHarness {

    private GrpoBenchHarness() {
    }

    /**
     * One optimizer step as timed here: wall time from the end of the previous step (or the start
     * of the loop) to the end of this one, the device synchronized before each reading; and the
     * trainer's own split (time/generation, time/scoring, time/update), its reward mean and the
     * completion tokens it generated.
     */
    public record Step(double wallMs, double generationMs, double scoringMs, double updateMs, double reward,
            double meanCompletionLength, double loss) {
    }

    /** What was run: the configuration's shape of the problem. */
    public record Shape(String model, int nLayer, int nEmbd, int vocab, int prompts, int generations,
            int maxCompletionLength, String lossType, double beta) {
    }

    public record Result(Shape shape, List<Step> steps) {
    }

    /**
     * Runs {@code steps} GRPO optimizer steps of the configuration on {@code backend};
     * {@code synchronize} is called before every clock reading (the device's queue drained).
     */
    public static Result run(Backend backend, Path configFile, int steps, Runnable synchronize) throws Exception {
        RunConfig c = RunConfigParser.parse(configFile);
        if (!c.rolloutEngine().equals("embedded")) {
            throw new IllegalArgumentException(configFile + ": rollout_engine is '" + c.rolloutEngine()
                    + "'; the benchmark drives the embedded engine only");
        }
        for (String name : c.rewardFuncs()) {
            if (!name.equals("accuracy")) {
                throw new IllegalArgumentException(configFile + ": reward function '" + name
                        + "' is not available outside OSGi; the benchmark scores 'accuracy' only");
            }
        }
        Path runDir = Files.createTempDirectory("cohort-grpo-bench");
        PolicyModel model = null;
        PolicyModel reference = null;
        try {
            RunSetup.ModelAndTokenizer mt = RunSetup.load(c, backend);
            model = mt.model();
            Tokenizer tok = mt.tok();
            if (c.beta() > 0) {
                reference = RunSetup.load(c, backend).model();
            }
            List<Map<String, Object>> rows = Datasets.rows(c.dataset(), c.datasetPromptField(), false);
            // the configuration's schedule horizon (RunSetup.settings), so the learning rates are the real run's
            TrainerSettings s = RunSetup.settings(c, "bench", steps, 0, 1, runDir);
            ModelConfig mc = model.config();
            Shape shape = new Shape(c.model(), mc.nLayer(), mc.nEmbd(), mc.vocabSize(), c.promptsPerStep(),
                    c.numGenerations(), c.maxCompletionLength(), c.lossType().name().toLowerCase(java.util.Locale.ROOT),
                    c.beta());
            List<Step> out = new ArrayList<>();
            long[] last = {0};
            try (EmbeddedEngine engine = new EmbeddedEngine(model)) {
                GrpoTrainer t = new GrpoTrainer(s, model, reference, tok,
                        new PromptSource(rows, c.datasetPromptField(), c.seed()), engine, new AccuracyScoring(), null,
                        null, c.toMap(), (TrainingMetrics m) -> {
                            synchronize.run();
                            long now = System.nanoTime();
                            out.add(new Step((now - last[0]) / 1e6, m.get("time/generation") * 1e3,
                                    m.get("time/scoring") * 1e3, m.get("time/update") * 1e3, m.get("reward"),
                                    m.get("completions/mean_length"), m.get("loss")));
                            last[0] = System.nanoTime();
                        });
                synchronize.run();
                last[0] = System.nanoTime();
                t.run(() -> false);
            }
            return new Result(shape, out);
        } finally {
            if (reference != null) {
                reference.close();
            }
            if (model != null) {
                model.close();
            }
            deleteTree(runDir);
        }
    }

    /** The {@code accuracy} reward in process: 1 when the completion's answer matches the row's "answer". */
    static final class AccuracyScoring implements RewardScoring {
        @Override
        public RewardColumns score(List<RewardSpec> specs, RewardInput input, ScoringPolicy policy) {
            List<String> names = new ArrayList<>();
            double[][] values = new double[specs.size()][];
            double[] weights = new double[specs.size()];
            for (int k = 0; k < specs.size(); k++) {
                names.add(specs.get(k).name());
                weights[k] = specs.get(k).weight();
                double[] r = new double[input.size()];
                for (int i = 0; i < r.length; i++) {
                    Object answer = input.rows().get(i).get("answer");
                    r[i] = answer == null ? Double.NaN : Grading.grade(input.completions().get(i), answer);
                }
                values[k] = r;
            }
            return new RewardColumns(names, values, weights);
        }

        @Override
        public List<RewardStatus> functions() {
            return List.of();
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // a temporary directory; leave what cannot be deleted
                }
            });
        } catch (IOException e) {
            // idem
        }
    }
}
