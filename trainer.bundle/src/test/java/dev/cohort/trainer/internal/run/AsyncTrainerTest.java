package dev.cohort.trainer.internal.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.api.engine.GenerationRequest;
import dev.cohort.api.engine.GenerationResult;
import dev.cohort.api.engine.RolloutEngine;
import dev.cohort.api.rollout.RolloutBatch;
import dev.cohort.api.training.TrainingMetrics;
import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.model.HfCheckpoint;
import dev.cohort.trainer.internal.model.ModelConfig;
import dev.cohort.trainer.internal.model.ModelInit;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.reward.RewardScoring;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The asynchronous mode on the real loop (a one-layer GPT-2, the Java backend): listeners see
 * every batch once and in step order, staleness stays within max_staleness, the producer thread
 * ends with the run, a stopped and resumed run trains every prompt exactly once, and a remote
 * engine (one that gets its weights through loadWeights, like the bridge) is synced every
 * weight_sync_steps and gets TRL's importance-sampling correction.
 */
class AsyncTrainerTest {

    @TempDir
    Path dir;

    /** A run's published batches, step metrics, last checkpoint and step. */
    record Run(List<RolloutBatch> batches, List<TrainingMetrics> metrics, Path checkpoint, int step) {
    }

    static PolicyModel fresh(JavaBackend be) {
        PolicyModel m = new PolicyModel(be, ModelConfig.gpt2(1, 2, 16, 32, GrpoTrainerTest.TOK.vocabSize(), 1e-5f,
                GrpoTrainerTest.TOK.eos()));
        ModelInit.initialize(m, 3);
        return m;
    }

    private Run run(PolicyModel model, RolloutEngine engine, TrainerSettings s, Path resumeFrom, int stopAt)
            throws Exception {
        return run(model, engine, s, new GrpoTrainerTest.DirectScoring(), Map.of(), resumeFrom, stopAt);
    }

    /** Trains {@code model} (from {@code resumeFrom} when not null) to the end or to {@code stopAt}. */
    static Run run(PolicyModel model, RolloutEngine engine, TrainerSettings s, RewardScoring scoring,
            Map<String, Object> config, Path resumeFrom, int stopAt) throws Exception {
        List<RolloutBatch> batches = Collections.synchronizedList(new ArrayList<>());
        List<TrainingMetrics> metrics = new ArrayList<>();
        GrpoTrainer t = new GrpoTrainer(s, model, null, GrpoTrainerTest.TOK,
                new PromptSource(GrpoTrainerTest.rows(), "prompt", s.seed()), engine, scoring, b -> {
                    batches.add(b);
                    return batches.size();
                }, null, config, metrics::add);
        if (resumeFrom != null) {
            t.resume(resumeFrom, TrainerState.read(resumeFrom));
        }
        t.run(() -> stopAt > 0 && t.step() >= stopAt);
        return new Run(List.copyOf(batches), metrics, t.lastCheckpoint(), t.step());
    }

    private static TrainerSettings async(Path runDir, int steps, int depth, int maxStaleness, int syncSteps) {
        return GrpoTrainerTest.settings(runDir, steps, 1, 0).withAsync(new AsyncSettings(true, depth, maxStaleness,
                syncSteps));
    }

    private static boolean producerAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(th -> th.getName().startsWith("cohort-producer-") && th.isAlive());
    }

    @Test
    void listenersSeeEveryBatchOnceInStepOrderAndStalenessIsBounded() throws Exception {
        try (JavaBackend be = new JavaBackend(2); PolicyModel m = fresh(be); EmbeddedEngine e = new EmbeddedEngine(m)) {
            Run r = run(m, e, async(dir.resolve("a"), 8, 3, 2, 1), null, 0);
            assertEquals(8, r.batches().size(), "one batch per step, none dropped");
            for (int i = 0; i < 8; i++) {
                RolloutBatch b = r.batches().get(i);
                assertEquals(i, b.step(), "step order");
                assertTrue(b.weightsVersion() >= 0 && i - b.weightsVersion() <= 2,
                        "step " + i + " generated with version " + b.weightsVersion());
            }
            assertEquals(8, r.metrics().size());
            for (TrainingMetrics x : r.metrics()) {
                double staleness = x.get("async/staleness");
                assertTrue(staleness >= 0 && staleness <= 2, "staleness " + staleness + " at step " + x.step());
                assertEquals(x.step() - 1 - staleness, x.get("async/weights_version"), 0);
                assertTrue(x.get("async/in_flight") <= 3);
                assertTrue(Double.isFinite(x.get("loss")));
            }
            assertTrue(r.batches().stream().anyMatch(b -> b.weightsVersion() < b.step()),
                    "with depth 3 some batches were generated ahead of the policy");
            assertFalse(producerAlive(), "the producer thread ended with the run");
            TrainingMetrics last = r.metrics().get(7);
            assertEquals(String.format(java.util.Locale.ROOT, "  weights v%.0f  in flight %.0f  staleness %.0f",
                    last.get("async/weights_version"), last.get("async/in_flight"), last.get("async/staleness")),
                    TrainingRun.async(last), "cohort:status shows the version, the batches in flight, the staleness");
            assertTrue(ProgressLine.of("run", last).endsWith(String.format(java.util.Locale.ROOT,
                    " | weights v%.0f, staleness %.0f, in flight %.0f", last.get("async/weights_version"),
                    last.get("async/staleness"), last.get("async/in_flight"))), "the progress line too");
        }
    }

    @Test
    void theProducerWaitsRatherThanExceedMaxStaleness() throws Exception {
        try (JavaBackend be = new JavaBackend(2); PolicyModel m = fresh(be); EmbeddedEngine e = new EmbeddedEngine(m)) {
            // depth 4 would run 4 batches ahead; max_staleness 0 holds every batch until its own step's weights
            Run r = run(m, e, async(dir.resolve("b"), 5, 4, 0, 1), null, 0);
            assertEquals(5, r.batches().size());
            for (RolloutBatch b : r.batches()) {
                assertEquals(b.step(), b.weightsVersion(), "max_staleness 0: generated with the newest weights");
            }
        }
    }

    @Test
    void aResumedAsyncRunTrainsEveryPromptExactlyOnce() throws Exception {
        try (JavaBackend be = new JavaBackend(2)) {
            List<String> wholePrompts;
            try (PolicyModel m = fresh(be); EmbeddedEngine e = new EmbeddedEngine(m)) {
                Run whole = run(m, e, GrpoTrainerTest.settings(dir.resolve("whole"), 6, 1, 0), null, 0);
                wholePrompts = prompts(whole.batches(), 0, 6);
            }
            Run first;
            try (PolicyModel m = fresh(be); EmbeddedEngine e = new EmbeddedEngine(m)) {
                first = run(m, e, async(dir.resolve("split"), 6, 2, 2, 1), null, 3);
            }
            assertEquals(3, first.step());
            JsonNode state = new ObjectMapper().readTree(first.checkpoint().resolve(TrainerState.STATE).toFile());
            JsonNode inFlight = state.path("async").path("in_flight");
            assertTrue(inFlight.isArray(), state.toString());
            for (JsonNode f : inFlight) {
                assertTrue(f.path("step").asInt() >= 3, f.toString());
            }
            if (inFlight.size() > 0) {
                assertEquals(state.path("data_position").asLong(), inFlight.get(0).path("data_position").asLong(),
                        "the checkpoint resumes where the first batch in flight began");
            }
            Run second;
            try (PolicyModel m = HfCheckpoint.load(first.checkpoint(), be); EmbeddedEngine e = new EmbeddedEngine(m)) {
                second = run(m, e, async(dir.resolve("split"), 6, 2, 2, 1), first.checkpoint(), 0);
            }
            List<String> trained = new ArrayList<>(prompts(first.batches(), 0, 3));
            trained.addAll(prompts(second.batches(), 3, 6));
            assertEquals(wholePrompts, trained, "the prompts trained, step by step, as in an uninterrupted run");
            assertEquals(3, second.metrics().size());
        }
    }

    @Test
    void aFailingProducerFailsTheStepAfterSavingTheLastGoodOne() throws Exception {
        try (JavaBackend be = new JavaBackend(2); PolicyModel m = fresh(be); EmbeddedEngine e = new EmbeddedEngine(m)) {
            TrainerSettings s = async(dir.resolve("f"), 6, 1, 1, 1);
            GrpoTrainer t = new GrpoTrainer(s, m, null, GrpoTrainerTest.TOK,
                    new PromptSource(GrpoTrainerTest.rows(), "prompt", s.seed()), e,
                    new FailedStepTest.FailingScoring(4), null, null, Map.of(), x -> { });
            StepFailure f = org.junit.jupiter.api.Assertions.assertThrows(StepFailure.class, () -> t.run(() -> false));
            Path saved = dir.resolve("f/checkpoint-3");
            assertEquals("step 4 failed: the producer failed making the batch of step 3:"
                    + " java.lang.IllegalStateException: reward function exploded; the last good step 3 was saved to "
                    + saved, f.getMessage());
            assertTrue(java.nio.file.Files.isRegularFile(saved.resolve("model.safetensors")));
            assertFalse(producerAlive(), "the producer thread ended with the failed run");
        }
    }

    /** The prompts of the batches of steps [from, to), in step order. */
    private static List<String> prompts(List<RolloutBatch> batches, int from, int to) {
        List<String> out = new ArrayList<>();
        for (RolloutBatch b : batches) {
            if (b.step() >= from && b.step() < to) {
                out.add(b.step() + ":" + b.prompts());
            }
        }
        return out;
    }

    /**
     * A real engine that holds its own model and gets the trainer's weights only through
     * loadWeights (a Hugging Face directory and a version), as the bridge's workers do.
     */
    static class RemoteCopy implements RolloutEngine, AutoCloseable {
        final EmbeddedEngine inner;
        final List<Long> loaded = Collections.synchronizedList(new ArrayList<>());

        RemoteCopy(PolicyModel model) {
            this.inner = new EmbeddedEngine(model);
            inner.advance(-1);
        }

        @Override
        public GenerationResult generate(GenerationRequest request) {
            return inner.generate(request);
        }

        @Override
        public final void loadWeights(Path directory, long version) throws IOException {
            apply(directory, version);
            loaded.add(version);
        }

        /** Brings the engine's model to the weights in {@code directory}, as {@code version}. */
        void apply(Path directory, long version) throws IOException {
            inner.loadWeights(directory, version);
        }

        @Override
        public long weightsVersion() {
            return inner.weightsVersion();
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    @Test
    void aRemoteEngineIsSyncedEveryWeightSyncStepsAndCorrected() throws Exception {
        try (JavaBackend be = new JavaBackend(2); JavaBackend workerBe = new JavaBackend(1); PolicyModel m = fresh(be);
                PolicyModel worker = new PolicyModel(workerBe, m.config()); RemoteCopy remote = new RemoteCopy(worker)) {
            Run r = run(m, remote, async(dir.resolve("c"), 6, 2, 2, 2), null, 0);
            assertEquals(6, r.batches().size());
            for (RolloutBatch b : r.batches()) {
                assertEquals(0, b.weightsVersion() % 2, "versions are multiples of weight_sync_steps");
                assertTrue(remote.loaded.contains(b.weightsVersion()));
            }
            assertEquals(List.copyOf(new java.util.TreeSet<>(remote.loaded)), remote.loaded,
                    "each version loaded once, in order");
            for (TrainingMetrics x : r.metrics()) {
                // the worker's copy holds exactly the generating weights: the ratio is 1 up to float rounding
                assertEquals(1.0, x.get("sampling/importance_sampling_ratio/mean"), 1e-3, x.values().toString());
                assertTrue(x.get("sampling/sampling_logp_difference/max") < 1e-3);
            }
        }
    }

    @Test
    void theSynchronousLoopCorrectsARemoteEngineToo() throws Exception {
        try (JavaBackend be = new JavaBackend(2); JavaBackend workerBe = new JavaBackend(1); PolicyModel m = fresh(be);
                PolicyModel worker = new PolicyModel(workerBe, m.config()); RemoteCopy remote = new RemoteCopy(worker)) {
            Run r = run(m, remote, GrpoTrainerTest.settings(dir.resolve("d"), 3, 1, 0), null, 0);
            assertEquals(List.of(0L, 1L, 2L), remote.loaded);
            for (int i = 0; i < 3; i++) {
                assertEquals(i, r.batches().get(i).weightsVersion());
                assertTrue(r.metrics().get(i).values().containsKey("sampling/importance_sampling_ratio/max"));
                assertFalse(r.metrics().get(i).values().containsKey("async/staleness"));
                assertEquals("", TrainingRun.async(r.metrics().get(i)));
                assertFalse(ProgressLine.of("run", r.metrics().get(i)).contains("staleness"));
            }
        }
    }
}
