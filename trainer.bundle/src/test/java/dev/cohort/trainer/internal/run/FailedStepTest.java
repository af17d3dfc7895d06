package dev.cohort.trainer.internal.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.api.reward.RewardInput;
import dev.cohort.api.training.TrainingMetrics;
import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.model.HfCheckpoint;
import dev.cohort.trainer.internal.model.ModelConfig;
import dev.cohort.trainer.internal.model.ModelInit;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.reward.RewardColumns;
import dev.cohort.trainer.internal.reward.RewardSpec;
import dev.cohort.trainer.internal.reward.ScoringPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run whose step fails keeps its work: the last good step is checkpointed (with the data
 * position of that step, so that resuming from it reproduces the uninterrupted run exactly) and
 * the failure says where; a resumed run's first step reports the step it continued from.
 */
class FailedStepTest {

    @TempDir
    Path dir;

    /** DirectScoring that throws on its {@code failAt}-th call (1-based; 0: never). */
    static final class FailingScoring implements dev.cohort.trainer.internal.reward.RewardScoring {
        private final GrpoTrainerTest.DirectScoring direct = new GrpoTrainerTest.DirectScoring();
        private final int failAt;
        private int calls;

        FailingScoring(int failAt) {
            this.failAt = failAt;
        }

        @Override
        public RewardColumns score(List<RewardSpec> specs, RewardInput input, ScoringPolicy policy) {
            if (++calls == failAt) {
                throw new IllegalStateException("reward function exploded");
            }
            return direct.score(specs, input, policy);
        }

        @Override
        public List<RewardStatus> functions() {
            return List.of();
        }
    }

    private static PolicyModel fresh(JavaBackend be) {
        PolicyModel m = new PolicyModel(be, ModelConfig.gpt2(1, 2, 16, 32, GrpoTrainerTest.TOK.vocabSize(), 1e-5f,
                GrpoTrainerTest.TOK.eos()));
        ModelInit.initialize(m, 3);
        return m;
    }

    private static GrpoTrainer trainer(PolicyModel model, TrainerSettings s, FailingScoring scoring,
            List<TrainingMetrics> metrics, EmbeddedEngine engine) {
        return new GrpoTrainer(s, model, null, GrpoTrainerTest.TOK,
                new PromptSource(GrpoTrainerTest.rows(), "prompt", s.seed()), engine, scoring, null, null, Map.of(),
                metrics::add);
    }

    @Test
    void aFailedStepSavesTheLastGoodStepAndResumingFromItEqualsTheUninterruptedRun() throws Exception {
        try (JavaBackend be = new JavaBackend(2)) {
            List<TrainingMetrics> whole = new ArrayList<>();
            PolicyModel w = fresh(be);
            try (EmbeddedEngine e = new EmbeddedEngine(w)) {
                trainer(w, GrpoTrainerTest.settings(dir.resolve("whole"), 5, 1, 0), new FailingScoring(0), whole, e)
                        .run(() -> false);
            }
            List<TrainingMetrics> first = new ArrayList<>();
            PolicyModel m = fresh(be);
            TrainerSettings s = GrpoTrainerTest.settings(dir.resolve("failed"), 5, 1, 0);
            StepFailure f;
            try (EmbeddedEngine e = new EmbeddedEngine(m)) {
                GrpoTrainer t = trainer(m, s, new FailingScoring(4), first, e);
                f = assertThrows(StepFailure.class, () -> t.run(() -> false));
            }
            Path saved = dir.resolve("failed/checkpoint-3");
            assertEquals("step 4 failed: reward function exploded; the last good step 3 was saved to " + saved,
                    f.getMessage());
            assertEquals(3, first.size());
            assertTrue(Files.isRegularFile(saved.resolve("model.safetensors")));

            List<TrainingMetrics> second = new ArrayList<>();
            PolicyModel restored = HfCheckpoint.load(saved, be);
            try (EmbeddedEngine e = new EmbeddedEngine(restored)) {
                GrpoTrainer t = trainer(restored, s, new FailingScoring(0), second, e);
                t.resume(saved, TrainerState.read(saved));
                assertTrue(t.run(() -> false));
            }
            assertEquals(3.0, second.get(0).get(GrpoTrainer.RESUMED_FROM_STEP), "the resumed step is marked");
            assertFalse(second.get(1).values().containsKey(GrpoTrainer.RESUMED_FROM_STEP), "only on the first step");
            List<Double> joined = new ArrayList<>();
            first.forEach(x -> joined.add(x.get("loss")));
            second.forEach(x -> joined.add(x.get("loss")));
            assertEquals(whole.stream().map(x -> x.get("loss")).toList(), joined, "same per-step losses, bit for bit");
        }
    }

    @Test
    void aFailureBeforeAnyStepCompletedSavesNothingAndSaysSo() throws Exception {
        try (JavaBackend be = new JavaBackend(2)) {
            PolicyModel m = fresh(be);
            try (EmbeddedEngine e = new EmbeddedEngine(m)) {
                GrpoTrainer t = trainer(m, GrpoTrainerTest.settings(dir.resolve("r"), 5, 1, 0), new FailingScoring(1),
                        new ArrayList<>(), e);
                StepFailure f = assertThrows(StepFailure.class, () -> t.run(() -> false));
                assertEquals("step 1 failed: reward function exploded; no checkpoint: no step had completed",
                        f.getMessage());
            }
            assertFalse(Files.exists(dir.resolve("r/checkpoint-0")));
        }
    }

    @Test
    void insideANumIterationsGroupNothingIsSavedAndTheFailureSaysWhy() throws Exception {
        try (JavaBackend be = new JavaBackend(2)) {
            PolicyModel m = fresh(be);
            try (EmbeddedEngine e = new EmbeddedEngine(m)) {
                // num_iterations 2: generation (and scoring) at steps 0, 2, 4; the 3rd scoring is step 5's
                GrpoTrainer t = trainer(m, GrpoTrainerTest.settings(dir.resolve("g"), 6, 2, 0), new FailingScoring(3),
                        new ArrayList<>(), e);
                StepFailure f = assertThrows(StepFailure.class, () -> t.run(() -> false));
                assertTrue(f.getMessage().startsWith("step 5 failed: reward function exploded; the last good step 4 was"
                        + " saved to "), f.getMessage());
            }
        }
    }
}
