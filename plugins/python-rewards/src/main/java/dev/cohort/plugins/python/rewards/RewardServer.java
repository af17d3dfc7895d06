package dev.cohort.plugins.python.rewards;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.api.reward.RewardInput;
import dev.cohort.vllm.internal.protocol.Protocol;
import dev.cohort.vllm.internal.rpc.BridgeLog;
import dev.cohort.vllm.internal.rpc.Supervisor;
import dev.cohort.vllm.internal.rpc.WorkerClient;
import dev.cohort.vllm.internal.rpc.WorkerException;
import dev.cohort.vllm.internal.rpc.WorkerProcess;
import dev.cohort.vllm.internal.rpc.WorkerSettings;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.Set;

/**
 * One Python reward server, kept running by the worker bridge's {@link Supervisor}: launched
 * with the module and functions of its settings, relaunched with back-off when it dies (calls in
 * flight fail at once and are tried once more on the new process), and launched anew when the
 * settings change, so that edited code is used from the next call. Everything it starts ends
 * with {@link #close()}.
 */
public final class RewardServer implements AutoCloseable, Supervisor.Owner {

    /** Time the Java side waits past a call's Python deadline for the server's own deadline reply. */
    static final long GRACE_MS = 5_000;
    private static final long START_TIMEOUT_MS = 120_000;
    private static final long DESCRIBE_DEADLINE_MS = 10_000;

    private final ObjectMapper json = new ObjectMapper();
    private final Path script;
    private final BridgeLog log;
    private final String token = newToken();
    private final Supervisor supervisor;
    private volatile ServerSettings settings;
    private volatile int minConnection = 1;

    /**
     * Starts supervising a server for {@code settings}.
     *
     * @param script the server's source ({@link ServerScript})
     */
    public RewardServer(ServerSettings settings, Path script, BridgeLog log) {
        this.settings = settings;
        this.script = script;
        this.log = log;
        this.supervisor = new Supervisor(workerSettings(settings), log, this, this::launch).start();
    }

    private WorkerSettings workerSettings(ServerSettings s) {
        return new WorkerSettings(s.id(), null, String.join(" ", s.argv(script)), token, s.timeoutMs() + GRACE_MS,
                10_000, START_TIMEOUT_MS, 30_000, Protocol.DEFAULT_MAX_FRAME, WorkerSettings.DEFAULT_LIVENESS_MS);
    }

    private WorkerProcess launch(WorkerSettings w, BridgeLog l) throws java.io.IOException {
        ServerSettings s = settings;
        return WorkerProcess.launch(w.id(), s.argv(script), s.env(), s.cwd(), w.token(), w.startTimeoutMs(), l);
    }

    /** Checks that the new server serves every function the settings expose. */
    @Override
    public void prepare(WorkerClient c) throws WorkerException {
        JsonNode d = c.call("describe", json.createObjectNode(), DESCRIBE_DEADLINE_MS);
        Set<String> served = new HashSet<>();
        d.path("functions").forEach(f -> served.add(f.path("name").asText()));
        for (String f : settings.pythonFunctions()) {
            if (!served.contains(f)) {
                throw new WorkerException(c.workerId(), -1, "describe", WorkerException.Cause.BAD_RESULT, null,
                        "the server does not serve '" + f + "'; it serves " + served);
            }
        }
        log.info("python rewards " + settings.id() + ": serving " + served + " of " + d.path("module").asText()
                + " (Python " + d.path("python").asText() + ")");
    }

    @Override
    public void maintain(WorkerClient c) {
        // the process is watched by its connection; nothing to catch up with
    }

    /**
     * Scores a batch with one function, as TRL would call it.
     *
     * @throws PythonRewardException naming the configuration, the function and what went wrong (for
     *     an exception in Python: its traceback)
     */
    public double[] score(ServerSettings.Exposed f, RewardInput in) {
        ServerSettings s = settings;
        String what = "python rewards " + s.id() + ": " + f.function() + " (" + s.module() + ")";
        ObjectNode params = ScoreRequest.params(json, f.function(), in, s.promptField(), s.timeoutMs());
        int first = minConnection;
        for (int attempt = 0;; attempt++) {
            WorkerClient c = await(what, s, attempt == 0 ? first : supervisor.connections() + 1);
            try {
                JsonNode r = c.call("score", params, s.timeoutMs() + GRACE_MS);
                if (r.path("metrics").size() > 0) {
                    log.debug(what + " logged metrics " + r.get("metrics") + " at step " + in.step());
                }
                return ScoreRequest.rewards(what, r, in.size());
            } catch (WorkerException e) {
                if (e.why() == WorkerException.Cause.CONNECTION_LOST && attempt == 0) {
                    log.info(what + ": " + e.reason() + "; trying the batch once more on a new server");
                    continue;
                }
                throw new PythonRewardException(what + ": " + problem(e));
            }
        }
    }

    private WorkerClient await(String what, ServerSettings s, int connection) {
        try {
            WorkerClient c = supervisor.awaitClient(s.timeoutMs(), connection);
            if (c == null) {
                String last = supervisor.stats().lastError();
                throw new PythonRewardException(what + ": no server running after waiting " + s.timeoutMs() + " ms"
                        + (last == null ? "" : "; last error: " + last));
            }
            return c;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PythonRewardException(what + ": interrupted while waiting for the server");
        }
    }

    private static String problem(WorkerException e) {
        if (e.why() == WorkerException.Cause.ERROR_REPLY) {
            String prefix = "error reply " + e.errorKind() + ": ";
            String m = e.reason().startsWith(prefix) ? e.reason().substring(prefix.length()) : e.reason();
            return switch (e.errorKind()) {
                case "reward_error", "deadline", "bad_result" -> m;
                default -> e.errorKind() + ": " + m;
            };
        }
        return e.reason();
    }

    /**
     * Takes new settings: the server is launched anew (a new module, new code in the same file,
     * new functions, environment or interpreter) and calls from now on wait for the new one.
     */
    public void reconfigure(ServerSettings next) {
        settings = next;
        minConnection = supervisor.connections() + 1;
        WorkerSettings w = workerSettings(next);
        boolean relaunches = supervisor.settings().needsReconnect(w);
        supervisor.reconfigure(w);
        if (!relaunches) {
            supervisor.restart(); // once only: a second request could relaunch again, after the new code
        }
    }

    public ServerSettings settings() {
        return settings;
    }

    /** The running process, or null (tests kill it). */
    public WorkerProcess process() {
        return supervisor.process();
    }

    /** Processes relaunched after they exited. */
    public int restarts() {
        return supervisor.restarts();
    }

    /** Stops the server process and its supervision. */
    @Override
    public void close() {
        supervisor.close();
    }

    private static String newToken() {
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
