package dev.cohort.vllm.internal.rpc;

import dev.cohort.vllm.internal.protocol.Protocol;
import java.util.Objects;

/**
 * One worker's settings: where it is ({@code address} host:port) or how to launch it
 * ({@code command}, which prints {@code listening on <port>}), its token and time limits.
 * {@code livenessTimeoutMs} (0: off) is how long a worker that sends heartbeats may stay silent
 * during a call before the call is given up and the worker marked suspect.
 */
public record WorkerSettings(String id, String address, String command, String token, long callTimeoutMs,
        int handshakeTimeoutMs, long startTimeoutMs, long maxBackoffMs, int maxFrame, long livenessTimeoutMs) {

    /** Default liveness timeout: five heartbeat intervals. */
    public static final long DEFAULT_LIVENESS_MS = 5_000;

    public WorkerSettings {
        boolean hasAddress = address != null && !address.isBlank();
        boolean hasCommand = command != null && !command.isBlank();
        if (hasAddress == hasCommand) {
            throw new IllegalArgumentException("worker " + id + ": set exactly one of 'address' (host:port) and 'command'"
                    + (hasAddress ? ", not both" : ""));
        }
        if (hasAddress) {
            int colon = address.lastIndexOf(':');
            if (colon <= 0 || !address.substring(colon + 1).matches("\\d{1,5}")) {
                throw new IllegalArgumentException("worker " + id + ": address must be host:port, got '" + address + "'");
            }
        }
        if (callTimeoutMs < 1 || handshakeTimeoutMs < 1 || startTimeoutMs < 1 || maxBackoffMs < 1) {
            throw new IllegalArgumentException("worker " + id + ": call_timeout_ms, handshake and start timeouts and"
                    + " back-off must be >= 1 ms");
        }
        if (livenessTimeoutMs < 0) {
            throw new IllegalArgumentException("worker " + id + ": liveness_timeout_ms must be >= 0 (0: off), got "
                    + livenessTimeoutMs);
        }
        token = token == null || token.isEmpty() ? null : token;
        address = hasAddress ? address.trim() : null;
        command = hasCommand ? command.trim() : null;
    }

    /** A worker at host:port with the defaults. */
    public static WorkerSettings at(String id, String address, long callTimeoutMs) {
        return new WorkerSettings(id, address, null, null, callTimeoutMs, 10_000, 120_000, 30_000,
                Protocol.DEFAULT_MAX_FRAME, DEFAULT_LIVENESS_MS);
    }

    /** A worker launched by {@code command} with the defaults. */
    public static WorkerSettings launched(String id, String command, long callTimeoutMs) {
        return new WorkerSettings(id, null, command, null, callTimeoutMs, 10_000, 120_000, 30_000,
                Protocol.DEFAULT_MAX_FRAME, DEFAULT_LIVENESS_MS);
    }

    public WorkerSettings withToken(String t) {
        return new WorkerSettings(id, address, command, t, callTimeoutMs, handshakeTimeoutMs, startTimeoutMs,
                maxBackoffMs, maxFrame, livenessTimeoutMs);
    }

    public WorkerSettings withMaxFrame(int bytes) {
        return new WorkerSettings(id, address, command, token, callTimeoutMs, handshakeTimeoutMs, startTimeoutMs,
                maxBackoffMs, bytes, livenessTimeoutMs);
    }

    public WorkerSettings withMaxBackoff(long ms) {
        return new WorkerSettings(id, address, command, token, callTimeoutMs, handshakeTimeoutMs, startTimeoutMs,
                ms, maxFrame, livenessTimeoutMs);
    }

    public WorkerSettings withLiveness(long ms) {
        return new WorkerSettings(id, address, command, token, callTimeoutMs, handshakeTimeoutMs, startTimeoutMs,
                maxBackoffMs, maxFrame, ms);
    }

    public WorkerSettings withCallTimeout(long ms) {
        return new WorkerSettings(id, address, command, token, ms, handshakeTimeoutMs,
                startTimeoutMs, maxBackoffMs, maxFrame, livenessTimeoutMs);
    }

    /** Whether going from these settings to {@code next} needs a new connection (or process). */
    public boolean needsReconnect(WorkerSettings next) {
        return !Objects.equals(address, next.address) || !Objects.equals(command, next.command)
                || !Objects.equals(token, next.token) || maxFrame != next.maxFrame
                || handshakeTimeoutMs != next.handshakeTimeoutMs;
    }

    public String host() {
        return address.substring(0, address.lastIndexOf(':'));
    }

    public int port() {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }
}
