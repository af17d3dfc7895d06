package dev.cohort.vllm.internal.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.cohort.api.engine.GenerationRequest;
import dev.cohort.api.engine.GenerationResult;
import dev.cohort.vllm.internal.protocol.Protocol;
import dev.cohort.vllm.internal.rpc.WorkerException;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Workers that die, hang or misbehave, as real processes: the batch still completes with the
 * trainer's own samples (so no reply went to the wrong caller), each failure is warned about once,
 * and nothing waits past its deadline.
 */
class FailureTest {

    @TempDir
    static Path tmp;
    static Path model;

    @BeforeAll
    static void model() throws Exception {
        model = TinyModel.write(tmp.resolve("model"), 11);
    }

    private static GenerationRequest request() {
        return Batches.request(6, 2, 10, 77, 0);
    }

    @Test
    void killedInTheMiddleOfGenerateTheBatchCompletesOnTheOtherWorker() throws Exception {
        RecordingLog log = new RecordingLog();
        try (JavaWorkers.Started slow = JavaWorkers.start(model, "slow", "--delay-ms", "2000");
                JavaWorkers.Started ok = JavaWorkers.start(model, "ok");
                WorkerHandle ws = new WorkerHandle(WorkerSettings.at("slow", slow.address(), 30_000), log);
                WorkerHandle wo = new WorkerHandle(WorkerSettings.at("ok", ok.address(), 30_000), log);
                BridgeEngine engine = new BridgeEngine(log, 2, 10_000)) {
            engine.add(ws);
            engine.add(wo);
            JavaWorkers.await(ws, WorkerState.HEALTHY, 10_000);
            JavaWorkers.await(wo, WorkerState.HEALTHY, 10_000);
            GenerationRequest r = request();
            CompletableFuture<GenerationResult> run = CompletableFuture.supplyAsync(() -> engine.generate(r));
            long end = System.currentTimeMillis() + 10_000;
            while (ws.inFlight() == 0 && System.currentTimeMillis() < end) {
                Thread.sleep(5);
            }
            assertEquals(1, ws.inFlight(), "the slow worker has its chunk");
            long killedAt = System.nanoTime();
            slow.process().destroyForcibly();
            GenerationResult res = run.get(30, TimeUnit.SECONDS);
            Batches.assertSameSamples(Batches.embedded(model, r), res);
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt) < 2_000,
                    "the death is noticed at once, not after the slow worker's delay");
            assertEquals(1,
                    log.warnings().stream().filter(w -> w.contains("worker slow") && w.contains("connection lost")).count(),
                    "the death is logged once: " + log.warnings());
        }
    }

    @Test
    void aLaunchedWorkerThatDiesWithStatus137IsRelaunched() throws Exception {
        RecordingLog log = new RecordingLog();
        try (JavaWorkers.Started ok = JavaWorkers.start(model, "ok");
                WorkerHandle wd = new WorkerHandle(WorkerSettings.launched("dies",
                        JavaWorkers.commandLine(model, "dies", "--fault", "die"), 30_000).withMaxBackoff(500), log);
                WorkerHandle wo = new WorkerHandle(WorkerSettings.at("ok", ok.address(), 30_000), log);
                BridgeEngine engine = new BridgeEngine(log, 2, 20_000)) {
            engine.add(wd);
            engine.add(wo);
            JavaWorkers.await(wd, WorkerState.HEALTHY, 20_000);
            JavaWorkers.await(wo, WorkerState.HEALTHY, 10_000);
            long firstPid = wd.process().pid();
            GenerationRequest r = request();
            Batches.assertSameSamples(Batches.embedded(model, r), engine.generate(r));
            JavaWorkers.await(wd, WorkerState.HEALTHY, 30_000);
            assertNotEquals(firstPid, wd.process().pid(), "a new process");
            assertEquals(1, wd.status().restarts());
            assertTrue(log.warnings().stream().anyMatch(w -> w.contains("worker dies") && w.contains("exited with status 137")),
                    "the death is logged: " + log.warnings());
        }
    }

    /** Each fault is warned about exactly once, and every completion is the one its request asked for. */
    @ParameterizedTest
    @ValueSource(strings = {"raise", "garbage", "double", "answer-ff"})
    void aMisbehavingWorkerCostsOneWarningAndNoWrongReply(String fault) throws Exception {
        RecordingLog log = new RecordingLog();
        try (JavaWorkers.Started bad = JavaWorkers.start(model, "bad", "--fault", fault);
                JavaWorkers.Started ok = JavaWorkers.start(model, "ok");
                WorkerHandle wb = new WorkerHandle(WorkerSettings.at("bad", bad.address(), 30_000), log);
                WorkerHandle wo = new WorkerHandle(WorkerSettings.at("ok", ok.address(), 30_000), log);
                BridgeEngine engine = new BridgeEngine(log, 2, 10_000)) {
            engine.add(wb);
            engine.add(wo);
            JavaWorkers.await(wb, WorkerState.HEALTHY, 10_000);
            JavaWorkers.await(wo, WorkerState.HEALTHY, 10_000);
            int mark = log.mark();
            if (fault.equals("answer-ff")) {
                assertEquals(2, engine.resetPrefixCache());
            }
            GenerationRequest r = request();
            Batches.assertSameSamples(Batches.embedded(model, r), engine.generate(r));
            Thread.sleep(300); // a stray reply may still be on its way
            List<String> warnings = log.warningsSince(mark);
            assertEquals(1, warnings.size(), fault + ": exactly one warning: " + warnings);
            String expected = switch (fault) {
                case "raise" -> "error reply internal: IllegalStateException: injected fault 'raise'";
                case "garbage" -> "protocol violation: not JSON";
                case "double" -> "which was already answered";
                default -> "which was never issued";
            };
            assertTrue(warnings.get(0).contains(expected) && warnings.get(0).contains("worker bad"),
                    warnings.get(0) + " should name the worker and say '" + expected + "'");
            // generation continues
            GenerationRequest again = Batches.request(3, 2, 6, 78, 0);
            Batches.assertSameSamples(Batches.embedded(model, again), engine.generate(again));
        }
    }

    @Test
    void aHungWorkerFailsAtTheDeadlineAndIsMarkedSuspect() throws Exception {
        RecordingLog log = new RecordingLog();
        try (JavaWorkers.Started hung = JavaWorkers.start(model, "hung", "--fault", "hang");
                JavaWorkers.Started ok = JavaWorkers.start(model, "ok");
                WorkerHandle wh = new WorkerHandle(WorkerSettings.at("hung", hung.address(), 400), log);
                WorkerHandle wo = new WorkerHandle(WorkerSettings.at("ok", ok.address(), 30_000), log);
                BridgeEngine engine = new BridgeEngine(log, 2, 10_000)) {
            engine.add(wh);
            engine.add(wo);
            JavaWorkers.await(wh, WorkerState.HEALTHY, 10_000);
            JavaWorkers.await(wo, WorkerState.HEALTHY, 10_000);
            GenerationRequest r = request();
            long t0 = System.nanoTime();
            Batches.assertSameSamples(Batches.embedded(model, r), engine.generate(r));
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 10_000);
            assertEquals(WorkerState.SUSPECT, wh.state());
            Thread.sleep(1_500); // a health check finds it still busy: it stays suspect
            assertEquals(WorkerState.SUSPECT, wh.state());
            assertTrue(log.warnings().stream().anyMatch(w -> w.contains("worker hung") && w.contains("no reply within 400 ms")
                    && w.contains("suspect")), log.warnings().toString());

            // a direct call fails at its deadline, naming worker, call, method and cause
            long t1 = System.nanoTime();
            WorkerException e = assertThrows(WorkerException.class,
                    () -> wh.call(Protocol.GENERATE, JsonNodeFactory.instance.objectNode(), 300));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1);
            assertTrue(ms >= 290 && ms < 2_000, "failed after " + ms + " ms");
            assertEquals(WorkerException.Cause.DEADLINE, e.why());
            assertTrue(e.getMessage().matches("worker hung, call \\d+ \\(generate\\): deadline of 300 ms passed"),
                    e.getMessage());
        }
    }

    @Test
    void withNoWorkerLeftGenerateThrowsNamingEveryWorkerAndWhy() throws Exception {
        RecordingLog log = new RecordingLog();
        try (JavaWorkers.Started hung = JavaWorkers.start(model, "hung", "--fault", "hang");
                JavaWorkers.Started raises = JavaWorkers.start(model, "raises", "--fault", "raise");
                WorkerHandle wh = new WorkerHandle(WorkerSettings.at("hung", hung.address(), 300), log);
                WorkerHandle wr = new WorkerHandle(WorkerSettings.at("raises", raises.address(), 30_000), log);
                BridgeEngine engine = new BridgeEngine(log, 2, 10_000)) {
            engine.add(wh);
            engine.add(wr);
            JavaWorkers.await(wh, WorkerState.HEALTHY, 10_000);
            JavaWorkers.await(wr, WorkerState.HEALTHY, 10_000);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> engine.generate(request()));
            assertTrue(e.getMessage().contains("hung (suspect, weights version 0) failed: deadline of 300 ms passed"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("raises (healthy, weights version 0) failed: error reply internal"),
                    e.getMessage());
        }
    }
}
