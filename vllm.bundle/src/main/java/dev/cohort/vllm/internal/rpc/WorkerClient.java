package dev.cohort.vllm.internal.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cohort.vllm.internal.protocol.FrameReader;
import dev.cohort.vllm.internal.protocol.FrameWriter;
import dev.cohort.vllm.internal.protocol.Message;
import dev.cohort.vllm.internal.protocol.Protocol;
import dev.cohort.vllm.internal.rpc.PendingCalls.Pending;
import java.io.IOException;
import java.net.Socket;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One TCP connection to one worker. Calls are tagged with ids and matched to replies by id only,
 * each with its own deadline; a named reader thread reads every frame. A reply whose id is not
 * pending is dropped with a warning; a frame that is not a protocol message, an unexpected
 * message, EOF or a reset breaks the connection: every call in flight fails at once with
 * "connection lost". A broken client is never reused: connect a new one.
 */
public final class WorkerClient implements AutoCloseable {

    /** How often a waiting call checks the worker's liveness. */
    private static final long LIVENESS_POLL_MS = 100;
    private final String workerId;
    private final String address;
    private final BridgeLog log;
    private final WorkerStats stats;
    private final Consumer<WorkerClient> onBroken;
    private final PendingCalls pending = new PendingCalls();
    private final Socket socket;
    private final FrameWriter writer;
    private final Thread reader;
    private final Message.WorkerHello hello;
    private volatile WorkerState state = WorkerState.CONNECTING;
    private volatile long weightsVersion;
    private volatile String brokenReason;
    private volatile boolean closing;
    private volatile long lastHeardNanos = System.nanoTime();
    private volatile long livenessMs;

    private WorkerClient(String workerId, String address, Socket socket, Message.WorkerHello hello, FrameReader in,
            FrameWriter writer, BridgeLog log, WorkerStats stats, Consumer<WorkerClient> onBroken) {
        this.workerId = workerId;
        this.address = address;
        this.socket = socket;
        this.hello = hello;
        this.writer = writer;
        this.log = log;
        this.stats = stats;
        this.onBroken = onBroken;
        this.weightsVersion = hello.weightsVersion();
        this.state = WorkerState.HEALTHY;
        Inbound inbound = new Inbound(this, pending, log, stats);
        this.reader = new Thread(() -> inbound.run(in), "cohort-worker-" + workerId + "-reader");
        this.reader.setDaemon(true);
    }

    /**
     * Connects and shakes hands within {@code handshakeTimeoutMs}.
     *
     * @param onBroken called once, on the reader thread or the caller's, when the connection breaks
     * @throws IOException naming the worker and what went wrong (refusal, timeout, bad hello)
     */
    public static WorkerClient connect(String workerId, String host, int port, String token, int handshakeTimeoutMs,
            int maxFrame, BridgeLog log, WorkerStats stats, Consumer<WorkerClient> onBroken) throws IOException {
        Handshake.Done d = Handshake.connect(workerId, host, port, token, handshakeTimeoutMs, maxFrame);
        WorkerClient c = new WorkerClient(workerId, host + ":" + port, d.socket(), d.hello(), d.in(), d.out(), log, stats,
                onBroken);
        c.reader.start();
        return c;
    }

    /**
     * Calls {@code method} and waits for its reply at most {@code deadlineMs}.
     *
     * @return the reply's result
     * @throws WorkerException for an error reply, a passed deadline or a lost connection
     */
    public JsonNode call(String method, JsonNode params, long deadlineMs) throws WorkerException {
        Pending p = pending.open(method, deadlineMs);
        long id = p.id();
        String lost = brokenReason;
        if (lost != null) {
            pending.take(id);
            throw new WorkerException(workerId, id, method, WorkerException.Cause.CONNECTION_LOST, null,
                    "connection lost: " + lost);
        }
        try {
            writer.write(new Message.Call(id, method, params, deadlineMs));
        } catch (IOException e) {
            broken("write failed: " + e.getMessage(), true);
        }
        Message.Reply r;
        try {
            r = await(id, p);
        } catch (ExecutionException e) {
            throw new WorkerException(workerId, id, method, WorkerException.Cause.CONNECTION_LOST, null,
                    "connection lost: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            pending.take(id);
            pending.remember(id, "was abandoned when its caller was interrupted");
            Thread.currentThread().interrupt();
            throw new WorkerException(workerId, id, method, WorkerException.Cause.INTERRUPTED, null, "interrupted");
        }
        if (r.failed()) {
            stats.error("call " + id + " (" + method + "): " + r.errorKind() + ": " + r.errorMessage());
            throw new WorkerException(workerId, id, method, WorkerException.Cause.ERROR_REPLY, r.errorKind(),
                    "error reply " + r.errorKind() + ": " + r.errorMessage());
        }
        return r.result();
    }

    /**
     * The reply, or a deadline error; a reply racing the deadline still counts. With liveness
     * watched, the wait also ends when the worker has sent nothing (not even a heartbeat) for
     * {@code livenessMs}: a stopped or frozen process is noticed in seconds, whatever the deadline.
     */
    private Message.Reply await(long id, Pending p) throws ExecutionException, InterruptedException, WorkerException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(p.deadlineMs());
        while (true) {
            long left = end - System.nanoTime();
            long slice = livenessMs > 0 ? Math.min(left, TimeUnit.MILLISECONDS.toNanos(LIVENESS_POLL_MS)) : left;
            try {
                return p.reply().get(Math.max(0, slice), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                boolean silent = silentMs() > livenessMs && livenessMs > 0;
                if (left > slice && !silent) {
                    continue;
                }
                if (pending.take(id) == null) {
                    return p.reply().get(); // the reader took it a moment ago and completes it now
                }
                throw silent && left > slice ? wentSilent(id, p) : deadlinePassed(id, p);
            }
        }
    }

    private WorkerException wentSilent(long id, Pending p) {
        long quiet = silentMs();
        pending.remember(id, "was abandoned when the worker went silent");
        String reason = "the worker sent nothing (not even a heartbeat) for " + quiet + " ms, past the liveness"
                + " timeout of " + livenessMs + " ms";
        stats.error("call " + id + " (" + p.method() + "): " + reason);
        boolean first;
        synchronized (this) {
            first = state == WorkerState.HEALTHY;
            if (first) {
                state = WorkerState.SUSPECT;
            }
        }
        String line = "worker " + workerId + " (" + address + "): call " + id + " (" + p.method() + "): " + reason
                + "; the worker is marked suspect";
        if (first) {
            log.warn(line);
        } else {
            log.info(line);
        }
        return new WorkerException(workerId, id, p.method(), WorkerException.Cause.SILENT, null, reason);
    }

    /**
     * Watches liveness: calls fail once the worker has been silent for {@code ms} (0: off). Only
     * for a worker that announced the heartbeat capability; others are judged by deadlines alone.
     */
    public void watchLiveness(long ms) {
        this.livenessMs = hello.capabilities().contains(Protocol.HEARTBEAT) ? ms : 0;
    }

    /** Whether calls on this connection are watched for silence. */
    public boolean livenessWatched() {
        return livenessMs > 0;
    }

    /** Milliseconds since the last frame from the worker. */
    public long silentMs() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastHeardNanos);
    }

    private WorkerException deadlinePassed(long id, Pending p) {
        pending.remember(id, "passed its deadline of " + p.deadlineMs() + " ms");
        String reason = "deadline of " + p.deadlineMs() + " ms passed";
        stats.error("call " + id + " (" + p.method() + "): " + reason);
        synchronized (this) {
            if (state == WorkerState.HEALTHY) {
                state = WorkerState.SUSPECT;
            }
        }
        log.warn("worker " + workerId + " (" + address + "): call " + id + " (" + p.method() + ") got no reply within "
                + p.deadlineMs() + " ms; the worker is marked suspect");
        return new WorkerException(workerId, id, p.method(), WorkerException.Cause.DEADLINE, null, reason);
    }

    /** Sends a message that is never answered. */
    public void fireAndForget(String method, JsonNode params) throws WorkerException {
        String lost = brokenReason;
        if (lost != null) {
            throw new WorkerException(workerId, -1, method, WorkerException.Cause.CONNECTION_LOST, null,
                    "connection lost: " + lost);
        }
        try {
            writer.write(new Message.FireAndForget(method, params));
        } catch (IOException e) {
            broken("write failed: " + e.getMessage(), true);
            throw new WorkerException(workerId, -1, method, WorkerException.Cause.CONNECTION_LOST, null,
                    "connection lost: write failed: " + e.getMessage());
        }
    }

    /** Ends the connection once: every call in flight fails with "connection lost: reason". */
    void broken(String reason, boolean warn) {
        synchronized (this) {
            if (brokenReason != null) {
                return;
            }
            brokenReason = reason;
        }
        state = WorkerState.DEAD;
        if (!closing) {
            stats.error("connection lost: " + reason);
            if (warn) {
                log.warn("worker " + workerId + " (" + address + "): connection lost: " + reason + pending.inFlightNote());
            }
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        pending.failAll(reason);
        if (onBroken != null) {
            try {
                onBroken.accept(this);
            } catch (RuntimeException e) {
                log.warn("worker " + workerId + ": connection-lost handler failed: " + e);
            }
        }
    }

    /** A frame came from the worker (any frame: the worker is alive). */
    void heard() {
        lastHeardNanos = System.nanoTime();
    }

    /** Whether the bridge is ending the connection on purpose. */
    boolean closing() {
        return closing;
    }

    /** The connection is about to end on purpose (shutdown): its end is not warned about. */
    public void expectClose() {
        closing = true;
    }

    /** A health check that found the worker idle clears the suspicion of a passed deadline. */
    public synchronized void markHealthy() {
        if (state == WorkerState.SUSPECT) {
            state = WorkerState.HEALTHY;
        }
    }

    /** Records the version the worker reported (load_weights or health). */
    public void weightsVersion(long version) {
        this.weightsVersion = version;
    }

    public String workerId() {
        return workerId;
    }

    public String address() {
        return address;
    }

    public Message.WorkerHello hello() {
        return hello;
    }

    public WorkerState state() {
        return state;
    }

    public long weightsVersion() {
        return weightsVersion;
    }

    public int inFlight() {
        return pending.size();
    }

    /** Why the connection broke, or null while it is up. */
    public String brokenReason() {
        return brokenReason;
    }

    public boolean isBroken() {
        return brokenReason != null;
    }

    /** Closes the connection; calls in flight fail with "connection lost: closed by the bridge". */
    @Override
    public void close() {
        closing = true;
        broken("closed by the bridge", false);
        if (Thread.currentThread() != reader) {
            try {
                reader.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
