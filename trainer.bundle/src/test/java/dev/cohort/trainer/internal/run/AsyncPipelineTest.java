package dev.cohort.trainer.internal.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.api.reward.RewardInput;
import dev.cohort.api.rollout.RolloutBatch;
import dev.cohort.api.training.TrainingMetrics;
import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.reward.RewardColumns;
import dev.cohort.trainer.internal.reward.RewardScoring;
import dev.cohort.trainer.internal.reward.RewardSpec;
import dev.cohort.trainer.internal.reward.ScoringPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The asynchronous mode with a remote engine is pipelined: the scorer thread computes a batch's
 * log-probs under its generating weights (loaded from the files the engine loaded) and its
 * rewards while the producer has the engine generate the next batch; weight-sync directories no
 * one reads any more are deleted, in both modes.
 */
class AsyncPipelineTest {

    @TempDir
    Path dir;

    /** The trainer's policy and a remote engine with its own copy, on backends of their own. */
    private record Remote(JavaBackend be, JavaBackend workerBe, PolicyModel model, PolicyModel worker,
            AsyncTrainerTest.RemoteCopy engine) implements AutoCloseable {
        static Remote open() {
            JavaBackend be = new JavaBackend(2);
            JavaBackend workerBe = new JavaBackend(1);
            PolicyModel m = AsyncTrainerTest.fresh(be);
            PolicyModel w = new PolicyModel(workerBe, m.config());
            return new Remote(be, workerBe, m, w, new AsyncTrainerTest.RemoteCopy(w));
        }

        AsyncTrainerTest.Run run(TrainerSettings s, ThreadRecordingScoring scoring) throws Exception {
            return AsyncTrainerTest.run(model, engine, s, scoring, Map.of(), null, 0);
        }

        @Override
        public void close() {
            engine.close();
            worker.close();
            model.close();
            workerBe.close();
            be.close();
        }
    }

    /**
     * DirectScoring that records the thread each batch was scored on, and takes {@code millis}
     * per batch: a slow scorer lets the producer move to newer weights before the scorer reaches
     * the batches generated under older ones.
     */
    static final class ThreadRecordingScoring implements RewardScoring {
        final Set<String> threads = Collections.synchronizedSet(new TreeSet<>());
        private final GrpoTrainerTest.DirectScoring inner = new GrpoTrainerTest.DirectScoring();
        private final long millis;

        ThreadRecordingScoring(long millis) {
            this.millis = millis;
        }

        @Override
        public RewardColumns score(List<RewardSpec> specs, RewardInput input, ScoringPolicy policy) {
            threads.add(Thread.currentThread().getName().replaceAll("-[^-]*$", ""));
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return inner.score(specs, input, policy);
        }

        @Override
        public List<RewardStatus> functions() {
            return inner.functions();
        }
    }

    private static List<String> versionDirs(Path syncRoot) throws Exception {
        try (Stream<Path> s = Files.list(syncRoot)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void theScorerFinishesBatchesUnderTheirGeneratingWeightsWhileTheEngineGeneratesTheNext() throws Exception {
        try (Remote remote = Remote.open()) {
            ThreadRecordingScoring scoring = new ThreadRecordingScoring(40);
            AsyncTrainerTest.Run r = remote.run(GrpoTrainerTest.settings(dir.resolve("p"), 8, 1, 0)
                    .withAsync(new AsyncSettings(true, 3, 2, 1)), scoring);
            List<RolloutBatch> batches = r.batches();
            assertEquals(Set.of("cohort-scorer-test"), scoring.threads, "scored on the scorer thread (cohort-scorer-<run id>)");
            assertEquals(8, batches.size());
            for (int i = 0; i < 8; i++) {
                assertEquals(i, batches.get(i).step(), "published in step order");
                assertTrue(i - batches.get(i).weightsVersion() <= 2);
            }
            assertTrue(batches.stream().anyMatch(b -> b.weightsVersion() < b.step()), "some batches ran ahead");
            for (TrainingMetrics x : r.metrics()) {
                // the scorer's copy held exactly each batch's generating weights
                assertEquals(1.0, x.get("sampling/importance_sampling_ratio/mean"), 1e-3, x.values().toString());
                assertTrue(x.get("sampling/sampling_logp_difference/max") < 1e-3, x.values().toString());
            }
            List<String> left = versionDirs(dir.resolve("p/weights-sync"));
            long newest = remote.engine().loaded.get(remote.engine().loaded.size() - 1);
            assertTrue(left.contains("v" + newest), left.toString());
            assertTrue(left.size() <= 3, "only versions the engine or the scorer may still read are kept: " + left);
            assertFalse(Thread.getAllStackTraces().keySet().stream()
                    .anyMatch(th -> th.getName().startsWith("cohort-scorer-") && th.isAlive()), "the scorer ended");
        }
    }

    @Test
    void withOneBatchInFlightTheProducerFinishesItsBatchesItself() throws Exception {
        try (Remote remote = Remote.open()) {
            ThreadRecordingScoring scoring = new ThreadRecordingScoring(0);
            AsyncTrainerTest.Run r = remote.run(GrpoTrainerTest.settings(dir.resolve("d1"), 5, 1, 0)
                    .withAsync(new AsyncSettings(true, 1, 1, 1)), scoring);
            assertEquals(Set.of("cohort-producer-test"), scoring.threads, "no scorer thread: nothing to overlap");
            assertEquals(5, r.batches().size());
            for (TrainingMetrics x : r.metrics()) {
                assertEquals(1.0, x.get("sampling/importance_sampling_ratio/mean"), 1e-3, x.values().toString());
            }
            long newest = remote.engine().loaded.get(remote.engine().loaded.size() - 1);
            assertEquals(List.of("v" + newest), versionDirs(dir.resolve("d1/weights-sync")));
        }
    }

    @Test
    void theSynchronousLoopKeepsOnlyTheVersionTheEngineHoldsAndDropsAnEarlierProcesssVersions() throws Exception {
        try (Remote remote = Remote.open()) {
            ThreadRecordingScoring scoring = new ThreadRecordingScoring(0);
            // versions an earlier process of the run left (stopped after step 57, resumed from 50)
            Files.createDirectories(dir.resolve("s/weights-sync/v57"));
            Files.writeString(dir.resolve("s/weights-sync/v50.txt"), "not a version directory");
            remote.run(GrpoTrainerTest.settings(dir.resolve("s"), 4, 1, 0), scoring);
            assertEquals(List.of(0L, 1L, 2L, 3L), remote.engine().loaded);
            assertEquals(List.of("v3", "v50.txt"), versionDirs(dir.resolve("s/weights-sync")));
            assertFalse(scoring.threads.contains("cohort-scorer-test"));
        }
    }

    @Test
    void aPrunedVersionIsAnErrorNotAWrongLoad() throws Exception {
        SyncDirectories d = new SyncDirectories(true);
        Files.createDirectories(dir.resolve("v0"));
        d.loaded(0, dir.resolve("v0"));
        Files.createDirectories(dir.resolve("v1"));
        d.loaded(1, dir.resolve("v1"));
        assertEquals(dir.resolve("v0"), d.dir(0), "the scorer has not passed version 0 yet");
        d.scored(1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> d.dir(0));
        assertEquals("no weight-sync directory of version 0 (kept: [1])", e.getMessage());
        assertFalse(Files.exists(dir.resolve("v0")), "deleted");
        assertTrue(Files.isDirectory(dir.resolve("v1")));
    }
}
