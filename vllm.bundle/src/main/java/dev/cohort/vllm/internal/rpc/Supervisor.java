package dev.cohort.vllm.internal.rpc;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.cohort.vllm.internal.protocol.Protocol;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Keeps one worker connected: a supervisor thread connects (launching the process first when
 * the settings have a command), hands a new connection to its {@link Owner} before it is used,
 * reconnects a broken connection, relaunches a dead process with bounded back-off (reset after
 * every successful handshake), and calls the owner about once a second while connected.
 * Everything it opens is closed by {@link #close()}.
 */
public final class Supervisor implements AutoCloseable {

    /** A process that dies sooner than this after launch counts as a crash loop: the back-off grows. */
    private static final long CRASH_LOOP_MS = 10_000;
    private static final long FIRST_BACKOFF_MS = 250;

    /** What the owner of a supervised worker does with its connections. */
    public interface Owner {
        /** Readies a new connection before it is used (weights, function list); throw to drop it. */
        void prepare(WorkerClient c) throws WorkerException;

        /** Called about once a second while connected (health checks, catching up). */
        void maintain(WorkerClient c) throws WorkerException;
    }

    /** Launches the worker process of a settings' command. */
    public interface Launcher {
        WorkerProcess launch(WorkerSettings s, BridgeLog log) throws IOException;
    }

    private volatile WorkerSettings s;
    private final BridgeLog log;
    private final Owner owner;
    private final Launcher launcher;
    private final WorkerStats stats = new WorkerStats();
    private final Object wake = new Object();
    private final Thread thread;
    private volatile WorkerClient client;
    private volatile WorkerProcess process;
    private volatile boolean closed;
    private volatile boolean reconnect;
    private volatile int restarts;
    private volatile int connections;
    private int failedConnects;
    private int quickExits;
    private String lastWarning;

    public Supervisor(WorkerSettings settings, BridgeLog log, Owner owner, Launcher launcher) {
        this.s = settings;
        this.log = log;
        this.owner = owner;
        this.launcher = launcher;
        this.thread = new Thread(this::supervise, "cohort-worker-" + settings.id() + "-supervisor");
        this.thread.setDaemon(true);
    }

    /** A supervisor that launches {@code command} as it is (split at blanks, quotes group). */
    public static Launcher commandLine() {
        return (s, log) -> WorkerProcess.launch(s.id(), s.command(), s.token(), s.startTimeoutMs(), log);
    }

    /** Starts supervising; returns this. */
    public Supervisor start() {
        thread.start();
        return this;
    }

    private void supervise() {
        long backoff = 0;
        long maintainWait = 0;
        while (!closed) {
            try {
                if (maintainWait > 0) {
                    long wait = maintainWait;
                    maintainWait = 0;
                    pause(wait);
                }
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
                    owner.maintain(c);
                    pause(1000);
                }
            } catch (IOException | WorkerException e) {
                stats.error(e.getMessage());
                backoff = Math.min(s.maxBackoffMs(), Math.max(FIRST_BACKOFF_MS, backoff * 2));
                warnOnce("worker " + s.id() + ": " + e.getMessage(), backoff);
                WorkerClient c = client;
                if (c != null && !c.isBroken()) {
                    // maintenance failed on a live connection (a load the worker refuses): back off too
                    maintainWait = backoff;
                }
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
            p.process().waitFor(500, TimeUnit.MILLISECONDS); // a lost connection often means a death
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
        WorkerSettings now = s;
        String host;
        int port;
        if (now.command() != null) {
            if (process == null || !process.isAlive() || failedConnects >= 3) {
                if (process != null) {
                    process.close();
                }
                failedConnects = 0;
                log.info("worker " + now.id() + ": launching '" + now.command() + "'");
                process = launcher.launch(now, log);
            }
            host = "127.0.0.1";
            port = process.port();
        } else {
            host = now.host();
            port = now.port();
        }
        WorkerClient c = connect(now, host, port);
        c.watchLiveness(now.livenessTimeoutMs());
        try {
            owner.prepare(c);
        } catch (WorkerException | RuntimeException e) {
            c.close();
            throw e;
        }
        client = c;
        connections++;
        lastWarning = null;
        log.info("worker " + now.id() + ": connected to " + c.address() + " (" + c.hello().workerId() + ", model "
                + c.hello().model() + ", weights version " + c.weightsVersion() + ")");
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    private WorkerClient connect(WorkerSettings now, String host, int port) throws IOException {
        try {
            WorkerClient c = WorkerClient.connect(now.id(), host, port, now.token(), now.handshakeTimeoutMs(),
                    now.maxFrame(), log, stats, broken -> wakeUp());
            failedConnects = 0;
            return c;
        } catch (IOException e) {
            failedConnects++;
            throw e.getMessage() != null && e.getMessage().startsWith("worker ") ? e
                    : new IOException("cannot connect to " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    private void pause(long ms) throws InterruptedException {
        if (ms <= 0) {
            return;
        }
        synchronized (wake) {
            wake.wait(ms);
        }
    }

    /** Wakes the supervisor (a broken connection, new wishes of the owner). */
    public void wakeUp() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    /**
     * Takes new settings while running. Time limits apply to the next call; a new address,
     * command, token or frame limit ends the connection (and a launched process) and reconnects.
     */
    public void reconfigure(WorkerSettings next) {
        WorkerSettings before = s;
        s = next;
        if (before.needsReconnect(next)) {
            restart();
        }
        WorkerClient c = client;
        if (c != null) {
            c.watchLiveness(next.livenessTimeoutMs());
        }
    }

    /** Ends the connection (and a launched process) politely and connects (launches) anew. */
    public void restart() {
        reconnect = true;
        wakeUp();
    }

    /**
     * The connected client, waiting up to {@code ms} while the worker is being (re)launched or
     * (re)connected; null when none came in time or the supervisor is closed.
     */
    public WorkerClient awaitClient(long ms) throws InterruptedException {
        return awaitClient(ms, 0);
    }

    /**
     * As {@link #awaitClient(long)}, for a connection numbered at least {@code minConnection}
     * ({@link #connections()} counts them): after {@link #restart()}, pass the count before it plus
     * one to wait for the new connection rather than take the old one.
     */
    public WorkerClient awaitClient(long ms, int minConnection) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        synchronized (wake) {
            while (!closed) {
                WorkerClient c = client;
                if (c != null && !c.isBroken() && connections >= minConnection) {
                    return c;
                }
                long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
                if (left <= 0) {
                    return null;
                }
                wake.wait(Math.min(left, 100));
            }
            return null;
        }
    }

    public WorkerSettings settings() {
        return s;
    }

    /** The connected client, or null. */
    public WorkerClient client() {
        return client;
    }

    /** The launched process, or null. */
    public WorkerProcess process() {
        return process;
    }

    public WorkerStats stats() {
        return stats;
    }

    public boolean isClosed() {
        return closed;
    }

    /** Processes relaunched after they exited. */
    public int restarts() {
        return restarts;
    }

    /** Connections established so far: a new number means a new connection. */
    public int connections() {
        return connections;
    }

    /** Stops supervising, closes the connection and stops a launched process. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(5000);
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
}
