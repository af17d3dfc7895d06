package dev.cohort.vllm.internal.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.vllm.internal.protocol.Protocol;
import dev.cohort.vllm.internal.rpc.BridgeLog;
import dev.cohort.vllm.internal.rpc.Supervisor;
import dev.cohort.vllm.internal.rpc.WorkerClient;
import dev.cohort.vllm.internal.rpc.WorkerException;
import dev.cohort.vllm.internal.rpc.WorkerProcess;
import dev.cohort.vllm.internal.rpc.WorkerSettings;
import dev.cohort.vllm.internal.rpc.WorkerState;
import java.nio.file.Path;

/**
 * One inference worker, kept connected by a {@link Supervisor}: the plain core of the worker
 * component. What is particular to inference lives here: a new connection is brought to the
 * weights the engine last loaded before it is given work, the supervisor catches an idle worker
 * up with them, and a suspect worker is cleared once a health check finds it idle.
 */
public final class WorkerHandle implements AutoCloseable, Supervisor.Owner {

    private static final long HEALTH_DEADLINE_MS = 5_000;

    /** What {@code workers} shows for one worker. */
    public record Status(String id, String address, WorkerState state, long weightsVersion, int inFlight, long errors,
            String lastError, int restarts) {
    }

    /**
     * Weights to load as {@code version}: a Hugging Face checkpoint {@code dir} (load_weights), or
     * with a {@code base} checkpoint, PEFT adapters in {@code dir} over that base (load_adapter).
     */
    public record Weights(Path dir, long version, Path base) {

        public boolean adapter() {
            return base != null;
        }

        public String method() {
            return adapter() ? Protocol.LOAD_ADAPTER : Protocol.LOAD_WEIGHTS;
        }

        ObjectNode params() {
            ObjectNode p = JsonNodeFactory.instance.objectNode().put("path", dir.toString()).put("version", version);
            return adapter() ? p.put("base", base.toString()) : p;
        }
    }

    private final BridgeLog log;
    private final Supervisor supervisor;
    private volatile Weights desired;
    private volatile boolean loading;

    public WorkerHandle(WorkerSettings settings, BridgeLog log) {
        this.log = log;
        this.supervisor = new Supervisor(settings, log, this, Supervisor.commandLine()).start();
    }

    public String id() {
        return settings().id();
    }

    public WorkerSettings settings() {
        return supervisor.settings();
    }

    // ---------------------------------------------------------------- supervision

    /** A new connection is brought to the desired weights before it is given work. */
    @Override
    public void prepare(WorkerClient c) throws WorkerException {
        Weights w = desired;
        if (w != null && c.weightsVersion() != w.version()) {
            sync(c, w);
        }
    }

    /** Clears a suspect worker that is idle again; catches an idle worker up with the weights. */
    @Override
    public void maintain(WorkerClient c) throws WorkerException {
        WorkerSettings s = settings();
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
        send(c, w);
        log.info("worker " + id() + ": brought to weights version " + w.version() + " from " + w.dir());
    }

    /** Sends load_weights or load_adapter; a worker that does not advertise load_adapter is refused by name. */
    private void send(WorkerClient c, Weights w) throws WorkerException {
        if (w.adapter() && !c.hello().capabilities().contains(Protocol.LOAD_ADAPTER)) {
            throw new WorkerException(id(), -1, Protocol.LOAD_ADAPTER, WorkerException.Cause.BAD_RESULT, null,
                    "the worker does not advertise the capability " + Protocol.LOAD_ADAPTER + " (its hello lists "
                            + c.hello().capabilities() + "), so it cannot take the LoRA adapters in " + w.dir()
                            + "; update the worker or sync full weights (no adapter: lora)");
        }
        JsonNode r = c.call(w.method(), w.params(), settings().callTimeoutMs());
        c.weightsVersion(r.path("weights_version").asLong(w.version()));
    }

    // ---------------------------------------------------------------- calls

    /** Calls with the configured call_timeout_ms. */
    public JsonNode call(String method, JsonNode params) throws WorkerException {
        return call(method, params, settings().callTimeoutMs());
    }

    public JsonNode call(String method, JsonNode params, long deadlineMs) throws WorkerException {
        return connected(method).call(method, params, deadlineMs);
    }

    public void fireAndForget(String method, JsonNode params) throws WorkerException {
        connected(method).fireAndForget(method, params);
    }

    private WorkerClient connected(String method) throws WorkerException {
        WorkerClient c = supervisor.client();
        if (c == null) {
            String last = supervisor.stats().lastError();
            throw new WorkerException(id(), -1, method, WorkerException.Cause.CONNECTION_LOST, null,
                    "not connected" + (last == null ? "" : " (last error: " + last + ")"));
        }
        return c;
    }

    /**
     * Loads weights on the worker and remembers them: a reconnected or relaunched worker is brought
     * to them before it is given work.
     */
    public void loadWeights(Path dir, long version) throws WorkerException {
        load(new Weights(dir, version, null));
    }

    /** {@link #loadWeights}, or LoRA adapters over their base (load_adapter). */
    public void load(Weights w) throws WorkerException {
        desired = w;
        loading = true;
        try {
            send(connected(w.method()), w);
        } finally {
            loading = false;
        }
    }

    /**
     * Remembers the weights without loading them now (the worker is not healthy): the supervisor
     * brings the worker to them as soon as it is connected again.
     */
    public void desire(Path dir, long version) {
        desire(new Weights(dir, version, null));
    }

    public void desire(Weights w) {
        desired = w;
        supervisor.wakeUp();
    }

    /** Takes new settings while running (see {@link Supervisor#reconfigure}). */
    public void reconfigure(WorkerSettings next) {
        supervisor.reconfigure(next);
    }

    /**
     * How many connections have been established so far: a new number means a new connection
     * (after a reconnect or relaunch), which may be tried again by a chunk that failed on the old.
     */
    public int connections() {
        return supervisor.connections();
    }

    // ---------------------------------------------------------------- state

    public WorkerState state() {
        WorkerClient c = supervisor.client();
        if (c == null) {
            return supervisor.isClosed() ? WorkerState.DEAD : WorkerState.CONNECTING;
        }
        return c.state();
    }

    public long weightsVersion() {
        WorkerClient c = supervisor.client();
        return c == null ? -1 : c.weightsVersion();
    }

    public int inFlight() {
        WorkerClient c = supervisor.client();
        return c == null ? 0 : c.inFlight();
    }

    /** The capabilities the connected worker advertised in its hello; empty while not connected. */
    public java.util.List<String> capabilities() {
        WorkerClient c = supervisor.client();
        return c == null ? java.util.List.of() : c.hello().capabilities();
    }

    /** The worker id the connected worker gave in its hello, or null while not connected. */
    public String helloId() {
        WorkerClient c = supervisor.client();
        return c == null ? null : c.hello().workerId();
    }

    public String lastError() {
        return supervisor.stats().lastError();
    }

    public Status status() {
        WorkerSettings s = settings();
        WorkerProcess p = supervisor.process();
        String where = s.address() != null ? s.address()
                : p == null ? "(launching)" : "127.0.0.1:" + p.port() + " pid " + p.pid();
        return new Status(s.id(), where, state(), weightsVersion(), inFlight(), supervisor.stats().errors(),
                lastError(), supervisor.restarts());
    }

    /** For tests: the launched process, or null. */
    public WorkerProcess process() {
        return supervisor.process();
    }

    /** Stops supervising, closes the connection and stops a launched process. */
    @Override
    public void close() {
        supervisor.close();
    }

    @Override
    public String toString() {
        return "worker " + id();
    }
}
