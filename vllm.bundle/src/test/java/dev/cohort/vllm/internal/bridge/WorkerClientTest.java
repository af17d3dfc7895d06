package dev.cohort.vllm.internal.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.cohort.vllm.internal.protocol.Codec;
import dev.cohort.vllm.internal.protocol.FrameReader;
import dev.cohort.vllm.internal.protocol.FrameWriter;
import dev.cohort.vllm.internal.protocol.Message;
import dev.cohort.vllm.internal.protocol.Protocol;
import dev.cohort.vllm.internal.rpc.WorkerClient;
import dev.cohort.vllm.internal.rpc.WorkerException;
import dev.cohort.vllm.internal.rpc.WorkerProcess;
import dev.cohort.vllm.internal.rpc.WorkerSettings;
import dev.cohort.vllm.internal.rpc.WorkerState;
import dev.cohort.vllm.internal.rpc.WorkerStats;
import dev.cohort.vllm.internal.testing.RecordingLog;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** WorkerClient against a scripted in-process worker: ids, late replies, refusals, broken connections. */
class WorkerClientTest {

    private final Codec codec = new Codec();
    private final RecordingLog log = new RecordingLog();

    /** A one-connection worker that answers the hello, then runs {@code script} on the calls it reads. */
    private interface Script {
        void run(FrameReader in, FrameWriter out) throws Exception;
    }

    private CompletableFuture<Void> serve(ServerSocket server, Script script) {
        return CompletableFuture.runAsync(() -> {
            try (Socket s = server.accept()) {
                FrameReader in = new FrameReader(s.getInputStream(), Protocol.DEFAULT_MAX_FRAME);
                FrameWriter out = new FrameWriter(s.getOutputStream(), codec);
                in.next();
                out.write(new Message.WorkerHello(1, "fake", "m", 4, List.of(Protocol.HEALTH)));
                script.run(in, out);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
    }

    private WorkerClient connect(ServerSocket server) throws Exception {
        return WorkerClient.connect("fake", "127.0.0.1", server.getLocalPort(), null, 2_000, Protocol.DEFAULT_MAX_FRAME,
                log, new WorkerStats(), null);
    }

    @Test
    void aLateReplyIsDroppedAndNeverGivenToTheNextCall() throws Exception {
        try (ServerSocket server = new ServerSocket(0)) {
            CompletableFuture<Void> worker = serve(server, (in, out) -> {
                List<Message.Call> calls = new ArrayList<>();
                calls.add((Message.Call) codec.decode(in.next(), false)); // call 1: answered only after call 2 arrives
                calls.add((Message.Call) codec.decode(in.next(), false));
                for (Message.Call c : calls) {
                    out.write(Message.Reply.ok(c.id(), JsonNodeFactory.instance.objectNode().put("answer_to", c.id())));
                }
                in.next(); // until the client closes
            });
            try (WorkerClient c = connect(server)) {
                assertEquals(4, c.weightsVersion());
                WorkerException late = assertThrows(WorkerException.class,
                        () -> c.call("echo", JsonNodeFactory.instance.objectNode(), 200));
                assertEquals(WorkerException.Cause.DEADLINE, late.why());
                assertEquals(WorkerState.SUSPECT, c.state());
                assertEquals(2, c.call("echo", JsonNodeFactory.instance.objectNode(), 2_000).get("answer_to").asLong());
                long end = System.currentTimeMillis() + 2_000;
                while (log.warnings().size() < 2 && System.currentTimeMillis() < end) {
                    Thread.sleep(10);
                }
                assertEquals(2, log.warnings().size(), log.warnings().toString());
                assertTrue(log.warnings().get(1).contains("dropped a reply to call 1, which passed its deadline of 200 ms"),
                        log.warnings().get(1));
                assertEquals(0, c.inFlight());
                c.markHealthy();
                assertEquals(WorkerState.HEALTHY, c.state());
            }
            worker.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void anUnexpectedMessageBreaksTheConnectionAndFailsEveryCallInFlightAtOnce() throws Exception {
        try (ServerSocket server = new ServerSocket(0)) {
            serve(server, (in, out) -> {
                in.next();
                in.next();
                out.write(new Message.Call(9, "generate", JsonNodeFactory.instance.objectNode(), 1000)); // workers never call
                Thread.sleep(2_000);
            });
            try (WorkerClient c = connect(server)) {
                List<CompletableFuture<WorkerException>> calls = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    calls.add(CompletableFuture.supplyAsync(() -> assertThrows(WorkerException.class,
                            () -> c.call("echo", JsonNodeFactory.instance.objectNode(), 30_000))));
                }
                long t0 = System.nanoTime();
                for (CompletableFuture<WorkerException> f : calls) {
                    WorkerException e = f.get(5, TimeUnit.SECONDS);
                    assertEquals(WorkerException.Cause.CONNECTION_LOST, e.why());
                    assertTrue(e.getMessage().contains("unexpected 'call' message"), e.getMessage());
                }
                assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 1_000);
                assertEquals(WorkerState.DEAD, c.state());
                assertEquals(1, log.warnings().size(), log.warnings().toString());
            }
        }
    }

    @Test
    void aRefusedHandshakeNamesTheWorkerAndTheReason() throws Exception {
        try (ServerSocket server = new ServerSocket(0)) {
            CompletableFuture.runAsync(() -> {
                try (Socket s = server.accept()) {
                    new FrameReader(s.getInputStream(), 1 << 16).next();
                    new FrameWriter(s.getOutputStream(), codec).write(new Message.Refusal("protocol", "worker speaks 2"));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            java.io.IOException e = assertThrows(java.io.IOException.class, () -> connect(server));
            assertTrue(e.getMessage().matches("worker fake at 127\\.0\\.0\\.1:\\d+ refused the handshake: protocol: worker speaks 2"),
                    e.getMessage());
        }
    }

    @Test
    void commandLinesSplitLikeAShellWithoutOne() {
        assertEquals(List.of("java", "-cp", "a b/*:c", "Main", "--id", "w 1", ""),
                WorkerProcess.split("java  -cp 'a b/*:c' Main --id \"w 1\" ''"));
        assertEquals(List.of("a\"b", "c\\d"), WorkerProcess.split("a\\\"b 'c\\d'"));
    }

    @Test
    void settingsNeedExactlyOneOfAddressAndCommand() {
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                () -> new WorkerSettings("w1", "h:1", "cmd", null, 1, 1, 1, 1, 64, 0));
        assertTrue(both.getMessage().startsWith("worker w1: set exactly one of 'address'"), both.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new WorkerSettings("w1", "", " ", null, 1, 1, 1, 1, 64, 0));
        IllegalArgumentException port = assertThrows(IllegalArgumentException.class,
                () -> WorkerSettings.at("w2", "localhost", 1000));
        assertEquals("worker w2: address must be host:port, got 'localhost'", port.getMessage());
    }

    @Test
    void theWorkersTableShowsEveryColumn() {
        String t = WorkerCommands.table(List.of(new WorkerHandle.Status("w1", "127.0.0.1:7001", WorkerState.SUSPECT, 3, 1, 2,
                "call 4 (generate): deadline of 500 ms passed", 0)));
        assertTrue(t.startsWith("ID "), t);
        assertTrue(t.contains("w1") && t.contains("127.0.0.1:7001") && t.contains("suspect")
                && t.contains("deadline of 500 ms passed"), t);
    }
}
