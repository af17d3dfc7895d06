package dev.cohort.vllm.internal.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.vllm.internal.protocol.Protocol;
import dev.cohort.vllm.internal.rpc.WorkerClient;
import dev.cohort.vllm.internal.rpc.WorkerException;
import dev.cohort.vllm.internal.rpc.WorkerState;
import dev.cohort.vllm.internal.rpc.WorkerStats;
import dev.cohort.vllm.internal.testing.JavaWorkers;
import dev.cohort.vllm.internal.testing.RecordingLog;
import dev.cohort.vllm.internal.testing.TinyModel;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java worker as a real process, through WorkerClient: methods, errors, limits and the handshake. */
class JavaWorkerTest {

    @TempDir
    static Path tmp;
    static Path model;
    static JavaWorkers.Started worker;

    @BeforeAll
    static void start() throws Exception {
        model = TinyModel.write(tmp.resolve("model"), 3);
        worker = JavaWorkers.start(model, "w1", "--max-frame", "4096", "--delay-ms", "0");
    }

    @AfterAll
    static void stop() {
        worker.close();
    }

    private final RecordingLog log = new RecordingLog();

    private WorkerClient connect(JavaWorkers.Started w, String token, int maxFrame) throws IOException {
        return WorkerClient.connect("w1", "127.0.0.1", w.port(), token, 5_000, maxFrame, log, new WorkerStats(), null);
    }

    private static ObjectNode generate(int prompts, int n, int maxTokens) {
        ObjectNode p = JsonNodeFactory.instance.objectNode();
        ArrayNode ps = p.putArray("prompts");
        for (int i = 0; i < prompts; i++) {
            ps.addArray().add(i % TinyModel.EOS).add(1);
        }
        return p.put("n", n).put("max_tokens", maxTokens).put("seed", 5).put("weights_version", 0);
    }

    @Test
    void generateAnswersOneGroupPerPromptWithNCompletions() throws Exception {
        try (WorkerClient c = connect(worker, null, Protocol.DEFAULT_MAX_FRAME)) {
            assertEquals("w1", c.hello().workerId());
            assertEquals(0, c.hello().weightsVersion());
            JsonNode r = c.call(Protocol.GENERATE, generate(3, 2, 5), 10_000);
            assertEquals(3, r.get("completions").size());
            for (JsonNode group : r.get("completions")) {
                assertEquals(2, group.size());
                for (JsonNode comp : group) {
                    assertEquals(comp.get("token_ids").size(), comp.get("logprobs").size());
                    assertTrue(comp.get("finish_reason").asText().matches("stop|length"));
                }
            }
        }
    }

    @Test
    void aQwen3CheckpointIsServedWithTheSameGreedyTokensAsTheTrainersSampler() throws Exception {
        Path qwen = TinyModel.writeQwen3(tmp.resolve("qwen3"), 7);
        java.util.List<int[]> prompts = java.util.List.of(new int[] {1, 2, 10}, new int[] {5});
        java.util.List<dev.cohort.trainer.internal.model.Completion> local;
        try (var be = new dev.cohort.trainer.internal.backend.JavaBackend(1);
                var m = dev.cohort.trainer.internal.model.HfCheckpoint.load(qwen, be);
                var sampler = new dev.cohort.trainer.internal.model.Sampler(m)) {
            assertEquals("bfloat16", m.config().dtype());
            local = sampler.generate(prompts, dev.cohort.trainer.internal.model.SamplingParams.greedy(6),
                    new int[] {TinyModel.EOS});
        }
        try (JavaWorkers.Started w = JavaWorkers.start(qwen, "q1");
                WorkerClient c = WorkerClient.connect("q1", "127.0.0.1", w.port(), null, 5_000,
                        Protocol.DEFAULT_MAX_FRAME, log, new WorkerStats(), null)) {
            ObjectNode p = JsonNodeFactory.instance.objectNode();
            ArrayNode ps = p.putArray("prompts");
            for (int[] pr : prompts) {
                ArrayNode a = ps.addArray();
                java.util.Arrays.stream(pr).forEach(a::add);
            }
            p.put("n", 1).put("max_tokens", 6).put("temperature", 0.0).put("seed", 1).put("weights_version", 0);
            p.putArray("stop_token_ids").add(TinyModel.EOS);
            JsonNode r = c.call(Protocol.GENERATE, p, 10_000);
            for (int i = 0; i < prompts.size(); i++) {
                JsonNode ids = r.get("completions").get(i).get(0).get("token_ids");
                int[] got = new int[ids.size()];
                for (int k = 0; k < got.length; k++) {
                    got[k] = ids.get(k).asInt();
                }
                org.junit.jupiter.api.Assertions.assertArrayEquals(local.get(i).tokens(), got, "prompt " + i);
            }
        }
    }

    @Test
    void unknownMethodsAreAnsweredAndTheConnectionStaysUp() throws Exception {
        try (WorkerClient c = connect(worker, null, Protocol.DEFAULT_MAX_FRAME)) {
            WorkerException e = assertThrows(WorkerException.class,
                    () -> c.call("sample_everything", JsonNodeFactory.instance.objectNode(), 5_000));
            assertEquals(WorkerException.Cause.ERROR_REPLY, e.why());
            assertEquals(Protocol.UNKNOWN_METHOD, e.errorKind());
            assertTrue(e.getMessage().matches("worker w1, call 1 \\(sample_everything\\): error reply unknown_method:"
                    + " unknown method 'sample_everything'.*"), e.getMessage());
            c.fireAndForget("warm_up", JsonNodeFactory.instance.objectNode());
            assertEquals("ok", c.call(Protocol.HEALTH, JsonNodeFactory.instance.objectNode(), 5_000).get("status").asText());
            assertTrue(log.warnings().stream().anyMatch(w -> w.contains("reports: unknown method 'warm_up'")),
                    log.warnings().toString());
            assertEquals(WorkerState.HEALTHY, c.state());
        }
    }

    @Test
    void badParamsAreRefusedNamingTheField() throws Exception {
        try (WorkerClient c = connect(worker, null, Protocol.DEFAULT_MAX_FRAME)) {
            assertBadRequest(c, generate(1, 1, 4).put("top_p", 1.5), "params.top_p: top_p must be in (0, 1]");
            assertBadRequest(c, generate(1, 1, 4).put("n", 0), "params.n: must be >= 1");
            assertBadRequest(c, generate(1, 1, 4).put("max_tokens", "many"), "params.max_tokens: must be an integer");
            ObjectNode outOfVocab = generate(2, 1, 4);
            ((ArrayNode) outOfVocab.get("prompts").get(1)).add(99);
            assertBadRequest(c, outOfVocab, "params.prompts[1][2]: must be a token id in [0, 13), got 99");
            ObjectNode none = generate(1, 1, 4);
            none.remove("max_tokens");
            assertBadRequest(c, none, "params.max_tokens: is required");
            assertBadRequest(c, JsonNodeFactory.instance.objectNode().put("version", 3), "params.path");
        }
    }

    private static void assertBadRequest(WorkerClient c, ObjectNode params, String expected) {
        String method = params.has("version") ? Protocol.LOAD_WEIGHTS : Protocol.GENERATE;
        WorkerException e = assertThrows(WorkerException.class, () -> c.call(method, params, 5_000));
        assertEquals(Protocol.BAD_REQUEST, e.errorKind(), e.getMessage());
        assertTrue(e.reason().contains(expected), e.reason() + " should contain " + expected);
    }

    @Test
    void aFrameOverTheWorkersLimitEndsTheConnectionAndTheWorkerServesTheNext() throws Exception {
        WorkerClient c = connect(worker, null, Protocol.DEFAULT_MAX_FRAME);
        WorkerException e = assertThrows(WorkerException.class, () -> c.call(Protocol.GENERATE, generate(2000, 1, 1), 5_000));
        assertEquals(WorkerException.Cause.CONNECTION_LOST, e.why(), e.getMessage());
        assertEquals(WorkerState.DEAD, c.state());
        try (WorkerClient next = connect(worker, null, Protocol.DEFAULT_MAX_FRAME)) {
            assertEquals("ok", next.call(Protocol.HEALTH, JsonNodeFactory.instance.objectNode(), 5_000).get("status").asText());
        }
    }

    @Test
    void aFrameOverTheClientsLimitBreaksTheConnectionWithOneWarning() throws Exception {
        WorkerClient c = connect(worker, null, 512);
        WorkerException e = assertThrows(WorkerException.class, () -> c.call(Protocol.GENERATE, generate(4, 4, 20), 10_000));
        assertEquals(WorkerException.Cause.CONNECTION_LOST, e.why());
        assertTrue(e.getMessage().contains("frame longer than the maximum of 512 bytes"), e.getMessage());
        assertEquals(1, log.warnings().size(), log.warnings().toString());
        assertThrows(WorkerException.class, () -> c.call(Protocol.HEALTH, JsonNodeFactory.instance.objectNode(), 1_000));
    }

    @Test
    void healthIsAnsweredWhileAGenerateRuns() throws Exception {
        try (JavaWorkers.Started slow = JavaWorkers.start(model, "slow", "--delay-ms", "1500");
                WorkerClient c = connect(slow, null, Protocol.DEFAULT_MAX_FRAME)) {
            CompletableFuture<JsonNode> gen = CompletableFuture.supplyAsync(() -> {
                try {
                    return c.call(Protocol.GENERATE, generate(1, 1, 3), 10_000);
                } catch (WorkerException e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(300);
            long t0 = System.nanoTime();
            JsonNode h = c.call(Protocol.HEALTH, JsonNodeFactory.instance.objectNode(), 1_000);
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 500);
            assertEquals(1, h.get("in_flight").asInt());
            assertEquals(1, gen.get(10, TimeUnit.SECONDS).get("completions").size());
        }
    }

    @Test
    void theHandshakeChecksTheTokenFromTheEnvironment() throws Exception {
        try (JavaWorkers.Started locked = JavaWorkers.start(Map.of("COHORT_WORKER_TOKEN", "s3cret"), model, "locked")) {
            IOException none = assertThrows(IOException.class, () -> connect(locked, null, Protocol.DEFAULT_MAX_FRAME));
            assertTrue(none.getMessage().contains("refused the handshake: auth: this worker requires a token"),
                    none.getMessage());
            IOException wrong = assertThrows(IOException.class, () -> connect(locked, "guess", Protocol.DEFAULT_MAX_FRAME));
            assertTrue(wrong.getMessage().contains("auth: wrong token"), wrong.getMessage());
            try (WorkerClient c = connect(locked, "s3cret", Protocol.DEFAULT_MAX_FRAME)) {
                assertEquals("locked", c.hello().workerId());
            }
            assertFalse(locked.process().info().arguments().map(a -> String.join(" ", a)).orElse("").contains("s3cret"),
                    "the token is not on the command line");
        }
    }

    @Test
    void theTokenComesFromAFileOnlyItsOwnerCanReadNeverFromTheCommandLine(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("token"), "f1le-token\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        IllegalArgumentException open = assertThrows(IllegalArgumentException.class,
                () -> WorkerOptions.parse(new String[] {"--port", "0", "--model", "m", "--token-file", file.toString()},
                        Map.of()));
        assertTrue(open.getMessage().contains("is accessible to others (rw-r--r--); chmod 600 it"), open.getMessage());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertEquals("f1le-token", WorkerOptions.parse(new String[] {"--port", "0", "--model", "m", "--token-file",
                file.toString()}, Map.of()).token());
        IllegalArgumentException argv = assertThrows(IllegalArgumentException.class,
                () -> WorkerOptions.parse(new String[] {"--port", "0", "--model", "m", "--token", "t"}, Map.of()));
        assertTrue(argv.getMessage().contains("--token is not accepted"), argv.getMessage());
        assertEquals("env-token", WorkerOptions.parse(new String[] {"--port", "0", "--model", "m"},
                Map.of("COHORT_WORKER_TOKEN", "env-token")).token());
    }

    @Test
    void theDefaultFrameLimitFitsTheHeap() {
        int limit = WorkerOptions.parse(new String[] {"--port", "0", "--model", "m"}, Map.of()).maxFrame();
        assertTrue(limit <= Runtime.getRuntime().maxMemory() / 16 || limit == 1 << 20, "limit " + limit);
        assertTrue(limit <= Protocol.DEFAULT_MAX_FRAME);
    }

    /** A client that streams bytes without a newline is cut off at the small pre-hello limit; the next is served. */
    @Test
    void aClientThatFloodsBeforeItsHelloIsCutOff() throws Exception {
        try (Socket s = new Socket("127.0.0.1", worker.port())) {
            s.setSoTimeout(10_000);
            byte[] junk = new byte[16 << 10];
            java.util.Arrays.fill(junk, (byte) 'x');
            assertThrows(IOException.class, () -> {
                for (int i = 0; i < 4096; i++) { // up to 64 MiB, far past the limit
                    s.getOutputStream().write(junk);
                }
            }, "the worker closes the connection long before 64 MiB");
        }
        try (WorkerClient next = connect(worker, null, Protocol.DEFAULT_MAX_FRAME)) {
            assertEquals("ok", next.call(Protocol.HEALTH, JsonNodeFactory.instance.objectNode(), 5_000).get("status").asText());
        }
    }

    /** A client that connects and says nothing is closed after the hello deadline; the next is served. */
    @Test
    void aClientThatNeverSaysHelloIsClosedWithinSeconds() throws Exception {
        try (Socket s = new Socket("127.0.0.1", worker.port())) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write('{'); // one byte, then silence: a read timeout alone would restart with it
            long t0 = System.nanoTime();
            String refusal = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(refusal.contains("no hello within"), refusal);
            assertTrue(ms < 15_000, "closed after " + ms + " ms");
        }
        try (WorkerClient next = connect(worker, null, Protocol.DEFAULT_MAX_FRAME)) {
            assertEquals("ok", next.call(Protocol.HEALTH, JsonNodeFactory.instance.objectNode(), 5_000).get("status").asText());
        }
    }

    @Test
    void shutdownEndsTheProcess() throws Exception {
        try (JavaWorkers.Started w = JavaWorkers.start(model, "bye")) {
            WorkerClient c = connect(w, null, Protocol.DEFAULT_MAX_FRAME);
            assertEquals(0, c.call(Protocol.SHUTDOWN, JsonNodeFactory.instance.objectNode(), 5_000).size());
            assertTrue(w.process().waitFor(10, TimeUnit.SECONDS));
            assertEquals(0, w.process().exitValue());
            c.close();
        }
    }
}
