package dev.cohort.vllm.internal.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.api.engine.GenerationRequest;
import dev.cohort.vllm.internal.rpc.WorkerSettings;
import dev.cohort.vllm.internal.rpc.WorkerState;
import dev.cohort.vllm.internal.testing.Batches;
import dev.cohort.vllm.internal.testing.JavaWorkers;
import dev.cohort.vllm.internal.testing.RecordingLog;
import dev.cohort.vllm.internal.testing.TinyModel;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reconnect back-off after a handshake, and replies that do not fit their request, with real workers. */
class RecoveryTest {

    @TempDir
    static Path tmp;
    static Path model;

    @BeforeAll
    static void model() throws Exception {
        model = TinyModel.write(tmp.resolve("model"), 41);
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Refusals grow the back-off; a successful handshake resets it, so the next loss retries after 250 ms. */
    @Test
    void theBackOffStartsAgainAfterASuccessfulHandshake() throws Exception {
        RecordingLog log = new RecordingLog();
        int port = freePort();
        try (WorkerHandle w = new WorkerHandle(WorkerSettings.at("late", "127.0.0.1:" + port, 30_000)
                .withMaxBackoff(2_000), log)) {
            long end = System.currentTimeMillis() + 20_000;
            while (!retries(log, 0).contains(2_000L) && System.currentTimeMillis() < end) {
                Thread.sleep(50);
            }
            assertTrue(retries(log, 0).contains(2_000L), "refusals grew the back-off to 2000 ms: " + retries(log, 0));
            try (JavaWorkers.Started worker = JavaWorkers.start(model, "late", "--port", Integer.toString(port))) {
                JavaWorkers.await(w, WorkerState.HEALTHY, 10_000);
                int mark = log.mark();
                worker.close(); // kill -9
                end = System.currentTimeMillis() + 10_000;
                while (retries(log, mark).isEmpty() && System.currentTimeMillis() < end) {
                    Thread.sleep(20);
                }
                assertEquals(250L, retries(log, mark).get(0), "the first retry after a lost connection: "
                        + log.all().subList(mark, log.all().size()));
            }
        }
    }

    /** The back-off of every 'retrying in N ms' line since mark, in order. */
    private static List<Long> retries(RecordingLog log, int mark) {
        List<String> all = log.all();
        return all.subList(Math.min(mark, all.size()), all.size()).stream().filter(l -> l.contains("; retrying in "))
                .map(l -> Long.parseLong(l.substring(l.lastIndexOf("retrying in ") + 12, l.lastIndexOf(" ms"))))
                .toList();
    }

    /** A token id outside the synced checkpoint's vocabulary is the worker's fault: one warning, retried elsewhere. */
    @Test
    void aReplyWithATokenOutsideTheVocabularyIsRetriedOnAnotherWorker() throws Exception {
        RecordingLog log = new RecordingLog();
        try (JavaWorkers.Started bad = JavaWorkers.start(model, "bad", "--fault", "bad-ids");
                JavaWorkers.Started ok = JavaWorkers.start(model, "ok");
                WorkerHandle wb = new WorkerHandle(WorkerSettings.at("bad", bad.address(), 30_000), log);
                WorkerHandle wo = new WorkerHandle(WorkerSettings.at("ok", ok.address(), 30_000), log);
                BridgeEngine engine = new BridgeEngine(log, 2, 10_000)) {
            engine.add(wb);
            engine.add(wo);
            engine.loadWeights(model, 0); // the bridge learns the vocabulary (13) from config.json
            int mark = log.mark();
            GenerationRequest r = Batches.request(6, 2, 8, 12, 0);
            Batches.assertSameSamples(Batches.embedded(model, r), engine.generate(r));
            List<String> warnings = log.warningsSince(mark);
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.get(0).contains("worker bad") && warnings.get(0).contains("reply does not fit its request:"
                    + " prompt 0: token 0 is " + TinyModel.VOCAB + ", not a token id in [0, " + TinyModel.VOCAB + ")")
                    && warnings.get(0).contains("retrying on worker ok"), warnings.get(0));
            assertEquals(WorkerState.HEALTHY, wb.state(), "a bad reply does not break the connection");
        }
    }
}
