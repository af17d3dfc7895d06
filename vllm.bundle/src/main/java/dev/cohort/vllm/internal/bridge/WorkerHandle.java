package dev.cohort.vllm.internal.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.vllm.internal.protocol.Protocol;
import java.io.IOException;
import java.nio.file.Path;

/**
 * One worker, kept connected: the plain core of the worker component. A supervisor thread
 * connects (launching the command first when there is one), brings a new connection to the
 * weights the engine last loaded before it is given work, reconnects a broken connection,
 * relaunches a dead process with bounded back-off, and clears a suspect worker once a health
 * check finds it idle. Everything it opens is closed by {@link #close()}.
 */
public final class WorkerHandle implements AutoCloseable {

    /** A process that dies sooner than this after launch counts as a crash loop: the back-off grows. */
    private static final long CRASH_LOOP_MS = 10_000;
    private static final long FIRST_BACKOFF_MS = 250;
    private static final long HEALTH_DEADLINE_MS = 5_000;

    /** What {@code workers} shows for one worker. */
    public record Status(String id, String address, WorkerState state, long weightsVersion, int inFlight, long errors,
            String lastError, int restarts) {
    }

    private record Weights(Path dir, long version) {
    }

    private volatile WorkerSettings s;
    private final BridgeLog log;
    private final WorkerStats stats = new WorkerStats();
    private final Object wake = new Object();
    private final Thread supervisor;
    private volatile WorkerClient client;
    private volatile WorkerProcess process;
    private volatile Weights desired;
    private volatile boolean loading;
    private volatile boolean closed;
    private volatile int restarts;
    private volatile int connections;
    private volatile boolean reconnect;
    private int failedConnects;
    private int quickExits;
    private String lastWarning;

    public WorkerHandle(WorkerSettings settings, BridgeLog log) {
        this.s = settings;
        this.log = log;
        this.supervisor = new Thread(this::supervise, "cohort-worker-" + settings.id() + "-supervisor");
        this.supervisor.setDaemon(true);
        this.supervisor.start();
    }

    public String id() {
        return s.id();
    }

    public WorkerSettings settings() {
        return s;
    }

    // ---------------------------------------------------------------- supervision

    private void supervise() {
        long backoff = 0;
        while (!closed) {
            try {
                WorkerClient c = client;
                if (reconnect) {
                    reconnect = false;
                    dropForNewSettings(c);
                    c = null;
                }
                if (c == null || c.isBroken()) {
                    client = null;
                    if (c != null) {
                        c.close();
                    }
                    pause(Math.max(backoff, afterExit()));
                    if (closed) {
                        return;
                    }
                    establish();
                    backoff = 0; // a handshake succeeded: the next trouble starts from the first back-off
                } else {
                    maintain(c);
                    pause(1000);
                }
            } catch (IOException | WorkerException e) {
                stats.error(e.getMessage());
                backoff = Math.min(s.maxBackoffMs(), Math.max(FIRST_BACKOFF_MS, backoff * 2));
                warnOnce("worker " + s.id() + ": " + e.getMessage(), backoff);
            } catch (InterruptedException e) {
                if (closed) {
                    return;
                }
            } catch (RuntimeException e) {
                stats.error(e.toString());
                log.warn("worker " + s.id() + ": supervisor failed: " + e + "; retrying in 1000 ms");
                backoff = 1000;
            }
        }
    }

    /** The same failure again is not news: one warning, then debug lines. */
    private void warnOnce(String line, long backoff) {
        if (closed) {
            return;
        }
        if (line.equals(lastWarning)) {
            log.debug(line + "; retrying in " + backoff + " ms");
        } else {
            log.warn(line + "; retrying in " + backoff + " ms");
        }
        lastWarning = line;
    }

    /**
     * Reports a process that has exited; returns the wait before the next launch: none after a
     * process that ran a while, a doubling one while processes keep dying within 10 s of launch.
     */
    private long afterExit() throws InterruptedException {
        WorkerProcess p = process;
        if (p != null) {
            p.process().waitFor(500, java.util.concurrent.TimeUnit.MILLISECONDS); // a lost connection often means a death
        }
        if (p == null || p.isAlive()) {
            return 0;
        }
        process = null;
        restarts++;
        quickExits = p.ageMs() < CRASH_LOOP_MS ? quickExits + 1 : 0;
        long next = quickExits == 0 ? 0
                : Math.min(s.maxBackoffMs(), FIRST_BACKOFF_MS << Math.min(20, quickExits - 1));
        String what = "process " + p.pid() + " exited with status " + p.exitStatus() + " after " + p.ageMs() + " ms";
        stats.error(what);
        log.warn("worker " + s.id() + ": " + what + "; relaunching" + (next > 0 ? " in " + next + " ms" : ""));
        return next;
    }

    /** New settings that need a new connection: the old one (and a launched process) ends politely. */
    private void dropForNewSettings(WorkerClient c) {
        client = null;
        WorkerProcess p = process;
        process = null;
        shutdown(c, p);
        log.info("worker " + s.id() + ": reconnecting with its new settings");
    }

    private void establish() throws IOException, WorkerException {
        String host;
        int port;
        if (s.command() != null) {
            if (process == null || !process.isAlive() || failedConnects >= 3) {
                if (process != null) {
                    process.close();
                }
                failedConnects = 0;
                log.info("worker " + s.id() + ": launching '" + s.command() + "'");
                process = WorkerProcess.launch(s.id(), s.command(), s.token(), s.startTimeoutMs(), log);
            }
            host = "127.0.0.1";
            port = process.port();
        } else {
            host = s.host();
            port = s.port();
        }
        WorkerClient c;
        try {
            c = WorkerClient.connect(s.id(), host, port, s.token(), s.handshakeTimeoutMs(), s.maxFrame(), log, stats,
                    broken -> wakeUp());
        } catch (IOException e) {
            failedConnects++;
            throw e.getMessage() != null && e.getMessage().startsWith("worker ") ? e
                    : new IOException("cannot connect to " + host + ":" + port + ": " + e.getMessage(), e);
        }
        failedConnects = 0;
        c.watchLiveness(s.livenessTimeoutMs());
        try {
            Weights w = desired;
            if (w != null && c.weightsVersion() != w.version()) {
                sync(c, w);
            }
        } catch (WorkerException e) {
            c.close();
            throw e;
        }
        client = c;
        connections++;
        lastWarning = null;
        log.info("worker " + s.id() + ": connected to " + c.address() + " (" + c.hello().workerId() + ", model "
                + c.hello().model() + ", weights version " + c.weightsVersion() + ")");
    }

    private void maintain(WorkerClient c) throws WorkerException {
        if (c.state() == WorkerState.SUSPECT) {
            if (c.livenessWatched() && c.silentMs() > s.livenessTimeoutMs()) {
                return; // still silent (stopped?): a health check would only pass its deadline
            }
            JsonNode h = c.call(Protocol.HEALTH, JsonNodeFactory.instance.objectNode(),
                    Math.min(HEALTH_DEADLINE_MS, s.callTimeoutMs()));
            if (h.path("in_flight").asInt(0) == 0 && c.inFlight() == 0) {
                c.markHealthy();
                log.info("worker " + s.id() + ": answers health checks and is idle again: healthy");
            }
            return;
        }
        Weights w = desired;
        if (w != null && !loading && c.weightsVersion() != w.version() && c.inFlight() == 0) {
            sync(c, w);
        }
    }

    private void sync(WorkerClient c, Weights w) throws WorkerException {
        ObjectNode p = JsonNodeFactory.instance.objectNode().put("path", w.dir().toString()).put("version", w.version());
        JsonNode r = c.call(Protocol.LOAD_WEIGHTS, p, s.callTimeoutMs());
        c.weightsVersion(r.path("weights_version").asLong(w.version()));
        log.info("worker " + s.id() + ": brought to weights version " + w.version() + " from " + w.dir());
    }

    private void pause(long ms) throws InterruptedException {
        if (ms <= 0) {
            return;
        }
        synchronized (wake) {
            wake.wait(ms);
        }
    }

    private void wakeUp() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    // ---------------------------------------------------------------- calls

    /** Calls with the configured call_timeout_ms. */
    public JsonNode call(String method, JsonNode params) throws WorkerException {
        return call(method, params, s.callTimeoutMs());
    }

    public JsonNode call(String method, JsonNode params, long deadlineMs) throws WorkerException {
        return connected(method).call(method, params, deadlineMs);
    }

    public void fireAndForget(String method, JsonNode params) throws WorkerException {
        connected(method).fireAndForget(method, params);
    }

    private WorkerClient connected(String method) throws WorkerException {
        WorkerClient c = client;
        if (c == null) {
            throw new WorkerException(s.id(), -1, method, WorkerException.Cause.CONNECTION_LOST, null,
                    "not connected" + (stats.lastError() == null ? "" : " (last error: " + stats.lastError() + ")"));
        }
        return c;
    }

    /**
     * Loads weights on the worker and remembers them: a reconnected or relaunched worker is brought
     * to them before it is given work.
     */
    public void loadWeights(Path dir, long version) throws WorkerException {
        desired = new Weights(dir, version);
        loading = true;
        try {
            WorkerClient c = connected(Protocol.LOAD_WEIGHTS);
            ObjectNode p = JsonNodeFactory.instance.objectNode().put("path", dir.toString()).put("version", version);
            JsonNode r = c.call(Protocol.LOAD_WEIGHTS, p, s.callTimeoutMs());
            c.weightsVersion(r.path("weights_version").asLong(version));
        } finally {
            loading = false;
        }
    }

    /**
     * Remembers the weights without loading them now (the worker is not healthy): the supervisor
     * brings the worker to them as soon as it is connected again.
     */
    public void desire(Path dir, long version) {
        desired = new Weights(dir, version);
        wakeUp();
    }

    /**
     * Takes new settings while running. Time limits apply to the next call; a new address,
     * command, token or frame limit ends the connection (and a launched process) and reconnects.
     */
    public void reconfigure(WorkerSettings next) {
        WorkerSettings before = s;
        s = next;
        if (before.needsReconnect(next)) {
            reconnect = true;
            wakeUp();
        }
        WorkerClient c = client;
        if (c != null) {
            c.watchLiveness(next.livenessTimeoutMs());
        }
    }

    /**
     * How many connections have been established so far: a new number means a new connection
     * (after a reconnect or relaunch), which may be tried again by a chunk that failed on the old.
     */
    public int connections() {
        return connections;
    }

    // ---------------------------------------------------------------- state

    public WorkerState state() {
        WorkerClient c = client;
        if (c == null) {
            return closed ? WorkerState.DEAD : WorkerState.CONNECTING;
        }
        return c.state();
    }

    public long weightsVersion() {
        WorkerClient c = client;
        return c == null ? -1 : c.weightsVersion();
    }

    public int inFlight() {
        WorkerClient c = client;
        return c == null ? 0 : c.inFlight();
    }

    /** The worker id the connected worker gave in its hello, or null while not connected. */
    public String helloId() {
        WorkerClient c = client;
        return c == null ? null : c.hello().workerId();
    }

    public String lastError() {
        return stats.lastError();
    }

    public Status status() {
        WorkerClient c = client;
        WorkerProcess p = process;
        String where = s.address() != null ? s.address()
                : p == null ? "(launching)" : "127.0.0.1:" + p.port() + " pid " + p.pid();
        return new Status(s.id(), where, state(), weightsVersion(), c == null ? 0 : c.inFlight(), stats.errors(),
                stats.lastError(), restarts);
    }

    /** For tests: the launched process, or null. */
    public WorkerProcess process() {
        return process;
    }

    /** Stops supervising, closes the connection and stops a launched process. */
    @Override
    public void close() {
        closed = true;
        supervisor.interrupt();
        try {
            supervisor.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        WorkerClient c = client;
        client = null;
        WorkerProcess p = process;
        process = null;
        shutdown(c, p);
    }

    /** Asks a launched process to shut down, closes the connection, stops the process. */
    private void shutdown(WorkerClient c, WorkerProcess p) {
        if (c != null) {
            if (p != null && !c.isBroken()) {
                try {
                    c.expectClose();
                    c.call(Protocol.SHUTDOWN, JsonNodeFactory.instance.objectNode(), 2000);
                } catch (WorkerException e) {
                    log.debug("worker " + s.id() + ": shutdown: " + e.getMessage());
                }
            }
            c.close();
        }
        if (p != null) {
            p.close();
        }
    }

    @Override
    public String toString() {
        return "worker " + s.id();
    }
}
