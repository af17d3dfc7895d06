package dev.cohort.trainer.internal.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.api.reward.RewardFunction;
import dev.cohort.api.reward.RewardInput;
import dev.cohort.api.rollout.RolloutBatch;
import dev.cohort.api.training.TrainingMetrics;
import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.model.AdamW;
import dev.cohort.trainer.internal.model.HfCheckpoint;
import dev.cohort.trainer.internal.model.ModelConfig;
import dev.cohort.trainer.internal.model.ModelInit;
import dev.cohort.trainer.internal.model.ModelType;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.model.LrSchedule;
import dev.cohort.trainer.internal.objective.LossType;
import dev.cohort.trainer.internal.objective.ObjectiveConfig;
import dev.cohort.trainer.internal.reward.RewardColumns;
import dev.cohort.trainer.internal.reward.RewardScoring;
import dev.cohort.trainer.internal.reward.RewardSpec;
import dev.cohort.trainer.internal.reward.ScoringPolicy;
import dev.cohort.trainer.internal.tokenizer.CharTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

class GrpoTrainerTest {

    @TempDir
    Path dir;

    static final CharTokenizer TOK = new CharTokenizer("ab");

    /** Scores without OSGi: rewards completions by their share of 'a'. */
    static final class DirectScoring implements RewardScoring {
        final RewardFunction f = in -> {
            double[] r = new double[in.size()];
            for (int i = 0; i < r.length; i++) {
                String c = in.completions().get(i);
                r[i] = c.isEmpty() ? 0 : c.chars().filter(ch -> ch == 'a').count() / (double) c.length();
            }
            return r;
        };

        @Override
        public RewardColumns score(List<RewardSpec> specs, RewardInput input, ScoringPolicy policy) {
            return new RewardColumns(List.of("share_a"), new double[][] {f.score(input)}, new double[] {1});
        }

        @Override
        public List<RewardStatus> functions() {
            return List.of();
        }
    }

    static TrainerSettings settings(Path runDir, int maxSteps, int numIterations, double beta) {
        return settings(runDir, maxSteps, numIterations, beta, "auto");
    }

    static TrainerSettings settings(Path runDir, int maxSteps, int numIterations, double beta, String saveDtype) {
        ObjectiveConfig obj = ObjectiveConfig.builder().lossType(LossType.DAPO).numIterations(numIterations)
                .beta(beta).maxCompletionLength(6).build();
        return new TrainerSettings("test-run", maxSteps, 4, 2, 4, 8, 6, 1f, 1f, 0, 0f, 7, obj,
                new AdamW.Settings(0.9f, 0.999f, 1e-8f, 0f, false, 1f),
                new LrSchedule(LrSchedule.Kind.CONSTANT, 3e-3, 0, maxSteps), List.of(new RewardSpec("share_a", 1)),
                new ScoringPolicy(60_000, true, 0), 0, 1, runDir, saveDtype);
    }

    static List<Map<String, Object>> rows() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String p : List.of("a", "b", "ab", "ba", "aab", "bba")) {
            rows.add(Map.of("prompt", p));
        }
        return rows;
    }

    private record Run(List<Double> losses, List<RolloutBatch> batches, List<TrainingMetrics> metrics, Path checkpoint) {
    }

    private Run run(JavaBackend be, PolicyModel model, TrainerSettings s, Path resumeFrom, boolean stopHalfway)
            throws Exception {
        List<RolloutBatch> batches = new ArrayList<>();
        List<TrainingMetrics> metrics = new ArrayList<>();
        List<Double> losses = new ArrayList<>();
        try (EmbeddedEngine engine = new EmbeddedEngine(model)) {
            PolicyModel reference = s.objective().beta() > 0 ? model : null;
            GrpoTrainer t = new GrpoTrainer(s, model, reference, TOK, new PromptSource(rows(), "prompt", s.seed()),
                    engine, new DirectScoring(), b -> {
                        batches.add(b);
                        return batches.size();
                    }, m -> {
                        metrics.add(m);
                        return metrics.size();
                    }, Map.of(), m -> losses.add(m.get("loss")));
            if (resumeFrom != null) {
                t.resume(resumeFrom, TrainerState.read(resumeFrom));
            }
            int[] calls = {0};
            t.run(() -> stopHalfway && t.step() >= s.maxSteps() / 2 && calls[0]++ >= 0);
            return new Run(losses, batches, metrics, t.lastCheckpoint());
        }
    }

    /** A one-layer policy of the family: GPT-2's block, or the Llama block as qwen2 (biases) or qwen3 (q/k norms, GQA). */
    private static PolicyModel fresh(JavaBackend be, String family) {
        int[] eos = {TOK.eos()};
        ModelConfig cfg = switch (family) {
            case "gpt2" -> ModelConfig.gpt2(1, 2, 16, 32, TOK.vocabSize(), 1e-5f, TOK.eos());
            case "qwen2" -> new ModelConfig(ModelType.QWEN2, 1, 2, 2, 8, 16, 24, 32, TOK.vocabSize(), 1e-6f, 1e4, null,
                    true, false, false, false, true, 0, eos, -1, "float32", null);
            default -> new ModelConfig(ModelType.QWEN3, 1, 4, 2, 6, 16, 24, 32, TOK.vocabSize(), 1e-6f, 1e6, null,
                    false, false, false, true, false, 0, eos, -1, "float32", null);
        };
        PolicyModel m = new PolicyModel(be, cfg);
        ModelInit.initialize(m, 3);
        return m;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "qwen2", "qwen3"})
    void everyStepPublishesOneConsistentBatchAndItsMetrics(String family) throws Exception {
        try (JavaBackend be = new JavaBackend(2)) {
            Run r = run(be, fresh(be, family), settings(dir.resolve("a"), 6, 2, 0.04), null, false);
            assertEquals(6, r.metrics().size());
            assertEquals(3, r.batches().size(), "one generation batch per num_iterations = 2 steps");
            for (int i = 0; i < r.batches().size(); i++) {
                RolloutBatch b = r.batches().get(i);
                assertEquals(2L * i, b.step());
                assertEquals(8, b.size());
                assertEquals(4, b.groupSize());
                assertEquals(List.of("share_a"), b.rewardNames());
                for (int g = 0; g < b.groupCount(); g++) {
                    double sum = 0;
                    for (int k = 0; k < 4; k++) {
                        sum += b.advantage(g * 4 + k);
                    }
                    assertEquals(0, sum, 1e-9, "advantages of a group sum to zero");
                }
            }
            TrainingMetrics m = r.metrics().get(5);
            assertEquals(6, m.step());
            for (String key : List.of("reward", "reward_std", "rewards/share_a/mean", "frac_reward_zero_std",
                    "completions/mean_length", "kl", "entropy", "loss", "grad_norm", "learning_rate",
                    "tokens_per_second", "time/generation", "time/update")) {
                assertTrue(m.values().containsKey(key), key + " in " + m.values().keySet());
            }
            assertTrue(m.get("kl") >= 0);
            assertTrue(java.nio.file.Files.isRegularFile(r.checkpoint().resolve("model.safetensors")));
            assertTrue(r.checkpoint().endsWith("checkpoint-6"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "qwen3", "qwen3:bfloat16"})
    void aStoppedAndResumedRunEqualsAnUninterruptedOne(String variant) throws Exception {
        String family = variant.split(":")[0];
        String dtype = variant.contains(":") ? variant.split(":")[1] : "auto";
        try (JavaBackend be = new JavaBackend(2)) {
            Run whole = run(be, fresh(be, family), settings(dir.resolve("whole"), 6, 1, 0, dtype), null, false);
            Run first = run(be, fresh(be, family), settings(dir.resolve("split"), 6, 1, 0, dtype), null, true);
            assertEquals(dtype.equals("auto") ? "float32" : dtype,
                    HfCheckpoint.config(first.checkpoint()).dtype(), "the checkpoint's model.safetensors dtype");
            assertEquals(3, first.losses().size());
            assertTrue(first.checkpoint().endsWith("checkpoint-3"));
            PolicyModel restored = HfCheckpoint.load(first.checkpoint(), be);
            Run second = run(be, restored, settings(dir.resolve("split"), 6, 1, 0, dtype), first.checkpoint(), false);
            List<Double> joined = new ArrayList<>(first.losses());
            joined.addAll(second.losses());
            assertEquals(whole.losses(), joined, "same per-step losses, bit for bit");
            List<String> a = new ArrayList<>();
            whole.batches().forEach(b -> a.add(b.completions().toString()));
            List<String> b = new ArrayList<>();
            first.batches().forEach(x -> b.add(x.completions().toString()));
            second.batches().forEach(x -> b.add(x.completions().toString()));
            assertEquals(a, b, "same samples");
        }
    }
}
