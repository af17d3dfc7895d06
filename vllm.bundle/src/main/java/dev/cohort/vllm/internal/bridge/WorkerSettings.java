package dev.cohort.vllm.internal.bridge;

import dev.cohort.vllm.internal.protocol.Protocol;

/**
 * One worker's settings: where it is ({@code address} host:port) or how to launch it
 * ({@code command}, which prints {@code listening on <port>}), its token and time limits.
 */
public record WorkerSettings(String id, String address, String command, String token, long callTimeoutMs,
        int handshakeTimeoutMs, long startTimeoutMs, long maxBackoffMs, int maxFrame) {

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
        token = token == null || token.isEmpty() ? null : token;
        address = hasAddress ? address.trim() : null;
        command = hasCommand ? command.trim() : null;
    }

    /** A worker at host:port with the defaults. */
    public static WorkerSettings at(String id, String address, long callTimeoutMs) {
        return new WorkerSettings(id, address, null, null, callTimeoutMs, 10_000, 120_000, 30_000,
                Protocol.DEFAULT_MAX_FRAME);
    }

    /** A worker launched by {@code command} with the defaults. */
    public static WorkerSettings launched(String id, String command, long callTimeoutMs) {
        return new WorkerSettings(id, null, command, null, callTimeoutMs, 10_000, 120_000, 30_000,
                Protocol.DEFAULT_MAX_FRAME);
    }

    public WorkerSettings withToken(String t) {
        return new WorkerSettings(id, address, command, t, callTimeoutMs, handshakeTimeoutMs, startTimeoutMs,
                maxBackoffMs, maxFrame);
    }

    public WorkerSettings withMaxFrame(int bytes) {
        return new WorkerSettings(id, address, command, token, callTimeoutMs, handshakeTimeoutMs, startTimeoutMs,
                maxBackoffMs, bytes);
    }

    public WorkerSettings withMaxBackoff(long ms) {
        return new WorkerSettings(id, address, command, token, callTimeoutMs, handshakeTimeoutMs, startTimeoutMs,
                ms, maxFrame);
    }

    String host() {
        return address.substring(0, address.lastIndexOf(':'));
    }

    int port() {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }
}
