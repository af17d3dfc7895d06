package dev.cohort.vllm.internal.worker;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.vllm.internal.protocol.Codec;
import dev.cohort.vllm.internal.protocol.FrameReader;
import dev.cohort.vllm.internal.protocol.FrameWriter;
import dev.cohort.vllm.internal.protocol.Message;
import dev.cohort.vllm.internal.protocol.Protocol;
import dev.cohort.vllm.internal.protocol.ProtocolException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client connection of the Java worker: the handshake, then this thread reads frames while
 * the worker thread (shared by all sessions, one call at a time) runs generate and load_weights.
 * health and fire_and_forget are handled right here, so they are answered while a generate runs.
 * Every failure of a call is answered with an error reply; none ends the worker.
 */
final class WorkerSession {

    static final List<String> CAPABILITIES = List.of(Protocol.GENERATE, Protocol.LOAD_WEIGHTS, Protocol.LOAD_ADAPTER,
            Protocol.RESET_PREFIX_CACHE, Protocol.HEALTH, Protocol.SHUTDOWN, Protocol.HEARTBEAT);
    /** The whole handshake (every byte of the hello) must arrive within this. */
    static final int HANDSHAKE_TIMEOUT_MS = 5_000;
    /** The shortest heartbeat interval served, whatever a client asks for. */
    private static final long MIN_HEARTBEAT_MS = 100;

    private final Socket socket;
    private final WorkerOptions options;
    private final ModelService model;
    private final ExecutorService calls;
    private final AtomicInteger inFlight;
    private final WorkerLog log;
    private final Codec codec = new Codec();
    private final AtomicLong strayIds = new AtomicLong(1_000_000_000L);
    private OutputStream out;
    private FrameWriter writer;
    private volatile boolean closed;
    private long heartbeatMs;

    WorkerSession(Socket socket, WorkerOptions options, ModelService model, ExecutorService calls,
            AtomicInteger inFlight, WorkerLog log) {
        this.socket = socket;
        this.options = options;
        this.model = model;
        this.calls = calls;
        this.inFlight = inFlight;
        this.log = log;
    }

    /** Serves the connection until it ends; returns true when the client asked the worker to shut down. */
    boolean serve() throws IOException {
        try {
            socket.setTcpNoDelay(true);
            out = socket.getOutputStream();
            writer = new FrameWriter(out, codec);
            HelloDeadline in = new HelloDeadline(socket, HANDSHAKE_TIMEOUT_MS);
            FrameReader reader = new FrameReader(in, Protocol.MAX_HELLO_FRAME);
            if (!handshake(reader)) {
                return false;
            }
            in.disarm();
            reader.limit(options.maxFrame());
            if (heartbeatMs > 0) {
                startHeartbeat(heartbeatMs);
            }
            return readLoop(reader);
        } finally {
            closed = true;
            socket.close();
        }
    }

    /**
     * Sends a heartbeat event every {@code intervalMs} (the client's hello asks for it) until the connection
     * ends, from its own thread: a worker busy in a long generate still beats, a stopped or frozen
     * process does not, and the bridge tells them apart in seconds.
     */
    private void startHeartbeat(long intervalMs) {
        Thread t = new Thread(() -> {
            while (!closed) {
                try {
                    Thread.sleep(intervalMs);
                } catch (InterruptedException e) {
                    return;
                }
                if (!closed) {
                    event(Protocol.HEARTBEAT, "in_flight " + inFlight.get());
                }
            }
        }, "cohort-java-worker-heartbeat");
        t.setDaemon(true);
        t.start();
    }

    private boolean handshake(FrameReader reader) throws IOException {
        Message first;
        try {
            String frame = reader.next();
            if (frame == null) {
                return false;
            }
            first = codec.decode(frame, false);
        } catch (SocketTimeoutException e) {
            refuse("protocol", "no hello within " + HANDSHAKE_TIMEOUT_MS + " ms");
            return false;
        } catch (ProtocolException e) {
            refuse("protocol", "the first frame must be a hello of at most " + Protocol.MAX_HELLO_FRAME
                    + " bytes: " + e.getMessage());
            return false;
        }
        if (!(first instanceof Message.ClientHello hello)) {
            refuse("protocol", "the first frame must be a hello, got '" + first.type() + "'");
            return false;
        }
        if (hello.protocol() != Protocol.VERSION) {
            refuse("protocol", "worker speaks protocol " + Protocol.VERSION + ", the client " + hello.protocol());
            return false;
        }
        if (options.token() != null && !options.token().equals(hello.token())) {
            refuse("auth", hello.token() == null ? "this worker requires a token" : "wrong token");
            return false;
        }
        writer.write(new Message.WorkerHello(Protocol.VERSION, options.id(), model.name(), model.version(), CAPABILITIES));
        heartbeatMs = hello.heartbeatMs() > 0 ? Math.max(MIN_HEARTBEAT_MS, hello.heartbeatMs()) : 0;
        log.info("client " + socket.getRemoteSocketAddress() + " connected");
        return true;
    }

    private void refuse(String kind, String message) throws IOException {
        log.warn("refused client " + socket.getRemoteSocketAddress() + ": " + kind + ": " + message);
        writer.write(new Message.Refusal(kind, message));
    }

    private boolean readLoop(FrameReader reader) throws IOException {
        while (true) {
            String frame;
            try {
                frame = reader.next();
            } catch (ProtocolException e) {
                // a frame over the limit cannot be skipped reliably: end the connection
                log.warn("closing the connection: " + e.getMessage());
                event("warning", "closing the connection: " + e.getMessage());
                return false;
            } catch (IOException e) {
                log.info("connection ended: " + e.getMessage());
                return false;
            }
            if (frame == null) {
                log.info("client closed the connection");
                return false;
            }
            Message m;
            try {
                m = codec.decode(frame, false);
            } catch (ProtocolException e) {
                log.warn("ignored a frame: " + e.getMessage());
                event("warning", "ignored a frame: " + e.getMessage());
                continue;
            }
            if (m instanceof Message.Call c) {
                if (onCall(c)) {
                    return true;
                }
            } else if (m instanceof Message.FireAndForget f) {
                onFireAndForget(f);
            } else {
                log.warn("ignored an unexpected '" + m.type() + "' message");
                event("warning", "ignored an unexpected '" + m.type() + "' message");
            }
        }
    }

    /** Returns true for shutdown. */
    private boolean onCall(Message.Call c) throws IOException {
        switch (c.method()) {
            case Protocol.HEALTH -> reply(Message.Reply.ok(c.id(), codec.mapper().createObjectNode().put("status", "ok")
                    .put("weights_version", model.version()).put("in_flight", inFlight.get())));
            case Protocol.SHUTDOWN -> {
                reply(Message.Reply.ok(c.id(), codec.mapper().createObjectNode()));
                log.info("shutdown requested by the client");
                return true;
            }
            case Protocol.GENERATE, Protocol.LOAD_WEIGHTS, Protocol.LOAD_ADAPTER -> submit(c);
            default -> reply(Message.Reply.error(c.id(), Protocol.UNKNOWN_METHOD, "unknown method '" + c.method()
                    + "'; this worker serves " + CAPABILITIES));
        }
        return false;
    }

    private void submit(Message.Call c) throws IOException {
        if (options.fault() == Fault.HANG && c.method().equals(Protocol.GENERATE)) {
            log.info("fault hang: call " + c.id() + " (generate) will never be answered");
            inFlight.incrementAndGet(); // stuck for good, as a hung worker's health shows
            return;
        }
        inFlight.incrementAndGet();
        try {
            calls.execute(() -> {
                try {
                    if (!closed) {
                        reply(handle(c));
                    }
                } catch (IOException e) {
                    log.info("could not answer call " + c.id() + ": " + e.getMessage());
                } finally {
                    inFlight.decrementAndGet();
                }
            });
        } catch (RejectedExecutionException e) {
            inFlight.decrementAndGet();
            reply(Message.Reply.error(c.id(), Protocol.INTERNAL, "worker is shutting down"));
        }
    }

    /** Runs one call on the worker thread; every exception becomes an error reply. */
    private Message.Reply handle(Message.Call c) {
        try {
            ObjectNode result;
            if (c.method().equals(Protocol.GENERATE)) {
                injectBeforeGenerate();
                result = model.generate(c.params());
                if (options.fault() == Fault.BAD_IDS) {
                    ((com.fasterxml.jackson.databind.node.ArrayNode) result.get("completions").get(0).get(0)
                            .get("token_ids")).set(0, com.fasterxml.jackson.databind.node.IntNode.valueOf(model.vocabSize()));
                }
            } else if (c.method().equals(Protocol.LOAD_ADAPTER)) {
                result = model.loadAdapter(c.params());
                log.info("loaded adapters version " + model.version() + " from " + c.params().path("path").asText());
            } else {
                result = model.loadWeights(c.params());
                log.info("loaded weights version " + model.version() + " from " + c.params().path("path").asText());
            }
            return Message.Reply.ok(c.id(), result);
        } catch (BadRequest e) {
            return Message.Reply.error(c.id(), Protocol.BAD_REQUEST, e.getMessage());
        } catch (VersionMismatch e) {
            return Message.Reply.error(c.id(), Protocol.VERSION_MISMATCH, e.getMessage());
        } catch (Throwable e) {
            log.warn("call " + c.id() + " (" + c.method() + ") failed: " + e);
            return Message.Reply.error(c.id(), Protocol.INTERNAL, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private void injectBeforeGenerate() throws InterruptedException {
        if (options.delayMs() > 0) {
            Thread.sleep(options.delayMs());
        }
        switch (options.fault()) {
            case RAISE -> throw new IllegalStateException("injected fault 'raise' in generate");
            case DIE -> {
                Thread.sleep(200);
                log.warn("fault die: exiting with status 137 in the middle of generate");
                Runtime.getRuntime().halt(137);
            }
            default -> {
            }
        }
    }

    private void onFireAndForget(Message.FireAndForget f) throws IOException {
        if (options.fault() == Fault.ANSWER_FF) {
            reply(Message.Reply.ok(strayIds.incrementAndGet(), codec.mapper().createObjectNode()));
        }
        if (f.method().equals(Protocol.RESET_PREFIX_CACHE)) {
            log.info("reset_prefix_cache: the Java worker caches no prefixes");
            event("log", "reset_prefix_cache: nothing to reset (the Java worker caches no prefixes)");
        } else {
            log.warn("ignored fire_and_forget of unknown method '" + f.method() + "'");
            event("warning", "unknown method '" + f.method() + "' (fire_and_forget); this worker serves "
                    + CAPABILITIES);
        }
    }

    private void reply(Message.Reply r) throws IOException {
        if (options.fault() == Fault.GARBAGE && r.result() != null && r.result().has("completions")) {
            synchronized (writer) {
                out.write("this line is not JSON\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        }
        writer.write(r);
        if (options.fault() == Fault.DOUBLE) {
            writer.write(r);
        }
    }

    private void event(String kind, String message) {
        try {
            writer.write(new Message.Event(kind, message, model.version()));
        } catch (IOException e) {
            if (!closed) {
                log.info("could not send event: " + e.getMessage());
            }
        }
    }
}
