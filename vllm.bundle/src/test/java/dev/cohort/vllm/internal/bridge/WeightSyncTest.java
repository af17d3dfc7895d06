package dev.cohort.vllm.internal.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.api.engine.GenerationRequest;
import dev.cohort.api.engine.GenerationResult;
import dev.cohort.vllm.internal.protocol.Protocol;
import dev.cohort.vllm.internal.rpc.WorkerSettings;
import dev.cohort.vllm.internal.rpc.WorkerState;
import dev.cohort.vllm.internal.testing.Batches;
import dev.cohort.vllm.internal.testing.JavaWorkers;
import dev.cohort.vllm.internal.testing.RecordingLog;
import dev.cohort.vllm.internal.testing.TinyModel;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** loadWeights reaches every worker; generate for another version is refused; samples follow the new weights. */
class WeightSyncTest {

    @TempDir
    Path tmp;

    @Test
    void afterASyncWorkersSampleTheNewWeightsAndRefuseTheOldVersion() throws Exception {
        Path v1 = TinyModel.write(tmp.resolve("v1"), 21);
        Path v2 = TinyModel.write(tmp.resolve("v2"), 22);
        RecordingLog log = new RecordingLog();
        try (JavaWorkers.Started a = JavaWorkers.start(v1, "a");
                WorkerHandle wa = new WorkerHandle(WorkerSettings.at("a", a.address(), 30_000), log);
                WorkerHandle wb = new WorkerHandle(WorkerSettings.launched("b", JavaWorkers.commandLine(v1, "b"), 30_000)
                        .withMaxBackoff(500), log);
                BridgeEngine engine = new BridgeEngine(log, 2, 20_000)) {
            engine.add(wa);
            engine.add(wb);
            JavaWorkers.await(wa, WorkerState.HEALTHY, 10_000);
            JavaWorkers.await(wb, WorkerState.HEALTHY, 20_000);
            assertEquals(-1, engine.weightsVersion());
            GenerationRequest atV1 = Batches.request(5, 2, 10, 9, 0);
            GenerationResult before = engine.generate(atV1);
            Batches.assertSameSamples(Batches.embedded(v1, atV1), before);

            engine.loadWeights(v2, 2);
            assertEquals(2, engine.weightsVersion());
            assertEquals(2, wa.weightsVersion());
            assertEquals(2, wb.weightsVersion());

            // a request for another version is refused by every worker: one batch never mixes policies
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> engine.generate(Batches.request(5, 2, 10, 9, 1)));
            assertTrue(e.getMessage().contains("error reply " + Protocol.VERSION_MISMATCH + ": worker holds weights"
                    + " version 2, the request wants 1"), e.getMessage());

            GenerationRequest atV2 = Batches.request(5, 2, 10, 9, 2);
            GenerationResult after = engine.generate(atV2);
            Batches.assertSameSamples(Batches.embedded(v2, atV2), after);
            assertTrue(differ(before, after), "the new weights sample differently");
            assertTrue(log.all().stream().filter(l -> l.contains("reports: reset_prefix_cache")).count() >= 2,
                    "reset_prefix_cache reached both workers");

            // a relaunched worker starts from its --model (version 0) and is brought to version 2 before it works
            long pid = wb.process().pid();
            wb.process().process().destroyForcibly();
            long end = System.currentTimeMillis() + 30_000;
            while ((wb.process() == null || wb.process().pid() == pid || wb.state() != WorkerState.HEALTHY)
                    && System.currentTimeMillis() < end) {
                Thread.sleep(20);
            }
            assertNotEquals(pid, wb.process().pid());
            assertEquals(WorkerState.HEALTHY, wb.state());
            assertEquals(2, wb.weightsVersion());
            Batches.assertSameSamples(Batches.embedded(v2, atV2), engine.generate(atV2));
        }
    }

    private static boolean differ(GenerationResult x, GenerationResult y) {
        for (int i = 0; i < x.completions().size(); i++) {
            if (!Arrays.equals(x.completions().get(i).logprobs(), y.completions().get(i).logprobs())) {
                return true;
            }
        }
        return false;
    }
}
