package dev.cohort.vllm.internal.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.api.engine.GenerationRequest;
import dev.cohort.api.engine.GenerationResult;
import dev.cohort.vllm.internal.rpc.WorkerSettings;
import dev.cohort.vllm.internal.rpc.WorkerState;
import dev.cohort.vllm.internal.testing.Batches;
import dev.cohort.vllm.internal.testing.JavaWorkers;
import dev.cohort.vllm.internal.testing.RecordingLog;
import dev.cohort.vllm.internal.testing.TinyModel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault drills with real worker processes and sockets: kill -9 of the only worker and of both
 * workers (the engine waits for the relaunch, brings the new process to the current weights and
 * the batch is the trainer's own), SIGSTOP of one of two (the chunk moves on within the liveness
 * timeout, far inside the call deadline), and a final error that names every worker. Time bounds
 * are liveness bounds with wide margins, never performance.
 */
class FaultDrillTest {

    @TempDir
    static Path tmp;
    static Path v0;
    static Path v1;

    @BeforeAll
    static void models() throws Exception {
        v0 = TinyModel.write(tmp.resolve("v0"), 31);
        v1 = TinyModel.write(tmp.resolve("v1"), 32);
    }

    private static WorkerHandle launched(String id, RecordingLog log, String... extra) {
        return new WorkerHandle(WorkerSettings.launched(id, JavaWorkers.commandLine(v0, id, extra), 60_000)
                .withMaxBackoff(1_000), log);
    }

    @Test
    void withOneWorkerAKill9DuringGenerateWaitsForTheRelaunchAtTheCurrentWeights() throws Exception {
        RecordingLog log = new RecordingLog();
        try (WorkerHandle w = launched("solo", log, "--delay-ms", "1500");
                BridgeEngine engine = new BridgeEngine(log, 2, 30_000)) {
            engine.add(w);
            engine.loadWeights(v1, 1); // waits for the start-up; the relaunched process must be brought to v1
            GenerationRequest r = Batches.request(4, 2, 8, 5, 1);
            CompletableFuture<GenerationResult> run = CompletableFuture.supplyAsync(() -> engine.generate(r));
            long end = System.currentTimeMillis() + 20_000;
            while (w.inFlight() == 0 && System.currentTimeMillis() < end) {
                Thread.sleep(5);
            }
            assertEquals(1, w.inFlight(), "the chunk is on the worker");
            long pid = w.process().pid();
            JavaWorkers.signal(pid, "KILL");
            GenerationResult res = run.get(60, TimeUnit.SECONDS);
            Batches.assertSameSamples(Batches.embedded(v1, r), res);
            assertNotEquals(pid, w.process().pid(), "served by the relaunched process");
            assertEquals(1, w.weightsVersion());
        }
    }

    @Test
    void killingBothWorkersNeitherWeightSyncNorGenerateFails() throws Exception {
        RecordingLog log = new RecordingLog();
        try (WorkerHandle a = launched("a", log);
                WorkerHandle b = launched("b", log);
                BridgeEngine engine = new BridgeEngine(log, 2, 30_000)) {
            engine.expectWorkers(() -> 2);
            engine.add(a);
            CompletableFuture<Void> late = CompletableFuture.runAsync(() -> engine.add(b)); // configured, tracked later
            engine.loadWeights(v0, 0);
            late.join();
            assertEquals(WorkerState.HEALTHY, a.state(), "start-up waited for every configured worker");
            assertEquals(WorkerState.HEALTHY, b.state(), "start-up waited for every configured worker");

            JavaWorkers.signal(a.process().pid(), "KILL");
            JavaWorkers.signal(b.process().pid(), "KILL");
            JavaWorkers.await(a, WorkerState.CONNECTING, 5_000);
            JavaWorkers.await(b, WorkerState.CONNECTING, 5_000);
            engine.loadWeights(v1, 1); // nobody is up: waits for a relaunched worker brought to version 1
            GenerationRequest r = Batches.request(6, 2, 8, 6, 1);
            Batches.assertSameSamples(Batches.embedded(v1, r), engine.generate(r));
            JavaWorkers.await(a, WorkerState.HEALTHY, 30_000);
            JavaWorkers.await(b, WorkerState.HEALTHY, 30_000);
            assertEquals(1, a.weightsVersion(), "a was brought to the current weights");
            assertEquals(1, b.weightsVersion(), "b was brought to the current weights");
        }
    }

    @Test
    void aStoppedWorkerIsNoticedWithinTheLivenessTimeoutNotTheCallDeadline() throws Exception {
        RecordingLog log = new RecordingLog();
        try (JavaWorkers.Started frozen = JavaWorkers.start(v0, "frozen");
                JavaWorkers.Started ok = JavaWorkers.start(v0, "ok");
                WorkerHandle wf = new WorkerHandle(WorkerSettings.at("frozen", frozen.address(), 300_000)
                        .withLiveness(1_500), log);
                WorkerHandle wo = new WorkerHandle(WorkerSettings.at("ok", ok.address(), 300_000).withLiveness(1_500), log);
                BridgeEngine engine = new BridgeEngine(log, 2, 30_000)) {
            engine.add(wf);
            engine.add(wo);
            JavaWorkers.await(wf, WorkerState.HEALTHY, 10_000);
            JavaWorkers.await(wo, WorkerState.HEALTHY, 10_000);
            JavaWorkers.signal(frozen.process().pid(), "STOP");
            try {
                GenerationRequest r = Batches.request(6, 2, 8, 7, 0);
                long t0 = System.nanoTime();
                GenerationResult res = engine.generate(r);
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                Batches.assertSameSamples(Batches.embedded(v0, r), res);
                assertTrue(ms < 60_000, "the batch took " + ms + " ms: the call deadline (300 s) is not what ended it");
                assertEquals(WorkerState.SUSPECT, wf.state());
                List<String> silent = log.warnings().stream().filter(w -> w.contains("worker frozen")
                        && w.contains("past the liveness timeout of 1500 ms")).toList();
                assertEquals(1, silent.size(), log.warnings().toString());
            } finally {
                JavaWorkers.signal(frozen.process().pid(), "CONT");
            }
            JavaWorkers.await(wf, WorkerState.HEALTHY, 30_000); // beats again, idle once its late reply is sent
        }
    }

    @Test
    void whenNoWorkerComesBackTheErrorNamesEveryWorkerAndItsState() throws Exception {
        RecordingLog log = new RecordingLog();
        JavaWorkers.Started a = JavaWorkers.start(v0, "gone-a");
        JavaWorkers.Started b = JavaWorkers.start(v0, "gone-b");
        try (WorkerHandle wa = new WorkerHandle(WorkerSettings.at("gone-a", a.address(), 30_000), log);
                WorkerHandle wb = new WorkerHandle(WorkerSettings.at("gone-b", b.address(), 30_000), log);
                BridgeEngine engine = new BridgeEngine(log, 2, 30_000)) {
            engine.add(wa);
            engine.add(wb);
            engine.loadWeights(v0, 0);
            a.close();
            b.close();
            engine.configure(2, 1_000);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> engine.generate(Batches.request(4, 1, 4, 8, 0)));
            assertTrue(e.getMessage().contains("no worker became healthy within 1000 ms"), e.getMessage());
            assertTrue(e.getMessage().matches("(?s).*gone-a \\((connecting|dead), weights version -1\\) last error: .*"
                    + "gone-b \\((connecting|dead), weights version -1\\) last error: .*"), e.getMessage());
        } finally {
            a.close();
            b.close();
        }
    }
}
