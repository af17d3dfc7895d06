package dev.cohort.vllm.internal.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two real Java worker processes behind the engine give the trainer's own samples. */
class BridgeEngineTest {

    @TempDir
    Path tmp;

    @Test
    void twoWorkersGiveTheEmbeddedEnginesSamplesBitForBit() throws Exception {
        Path model = TinyModel.write(tmp.resolve("model"), 7);
        RecordingLog log = new RecordingLog();
        try (JavaWorkers.Started a = JavaWorkers.start(model, "a");
                JavaWorkers.Started b = JavaWorkers.start(model, "b");
                WorkerHandle wa = new WorkerHandle(WorkerSettings.at("a", a.address(), 30_000), log);
                WorkerHandle wb = new WorkerHandle(WorkerSettings.at("b", b.address(), 30_000), log);
                BridgeEngine engine = new BridgeEngine(log, 2, 10_000)) {
            engine.add(wa);
            engine.add(wb);
            JavaWorkers.await(wa, WorkerState.HEALTHY, 10_000);
            JavaWorkers.await(wb, WorkerState.HEALTHY, 10_000);
            for (long seed : new long[] {1234, -5}) {
                GenerationRequest r = Batches.request(7, 3, 12, seed, 0);
                GenerationResult bridged = engine.generate(r);
                Batches.assertSameSamples(Batches.embedded(model, r), bridged);
            }
            assertTrue(log.warnings().isEmpty(), "no warnings: " + log.warnings());
        }
    }

    @Test
    void chunksAreContiguousAndCoverEveryPrompt() {
        assertEquals(java.util.List.of(new Chunk(0, 2), new Chunk(2, 5)), Chunk.split(5, 2));
        assertEquals(java.util.List.of(new Chunk(0, 1), new Chunk(1, 2)), Chunk.split(2, 4));
        assertEquals(java.util.List.of(new Chunk(0, 3)), Chunk.split(3, 1));
    }
}
