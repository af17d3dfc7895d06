package dev.cohort.vllm.internal.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The messages of the protocol. Every frame is one JSON object with a {@code type}: the
 * client's {@code hello} (protocol version and, when the worker requires one, a token), the
 * worker's {@code hello} (its id, model, weights version and capabilities) or a refusal
 * ({@code error}), then {@code call} (id, method, params, deadline) answered by exactly one
 * {@code reply} with the same id, {@code fire_and_forget} (never answered) and worker-initiated
 * {@code event} (warning, log, heartbeat).
 */
public sealed interface Message {

    String type();

    /** {@code heartbeatMs}: how often the client wants a heartbeat event (0: none; optional field). */
    record ClientHello(int protocol, String token, long heartbeatMs) implements Message {

        public ClientHello(int protocol, String token) {
            this(protocol, token, 0);
        }

        public String type() {
            return "hello";
        }
    }

    record WorkerHello(int protocol, String workerId, String model, long weightsVersion, List<String> capabilities)
            implements Message {
        public String type() {
            return "hello";
        }
    }

    /** A refusal during the handshake; the worker closes the connection after it. */
    record Refusal(String kind, String message) implements Message {
        public String type() {
            return "error";
        }
    }

    /** A request that gets exactly one {@link Reply} with the same id; deadline relative, in ms. */
    record Call(long id, String method, JsonNode params, long deadlineMs) implements Message {
        public String type() {
            return "call";
        }
    }

    /** The answer to call {@code id}: a result, or an error (kind and message). */
    record Reply(long id, JsonNode result, String errorKind, String errorMessage) implements Message {
        public String type() {
            return "reply";
        }

        public boolean failed() {
            return errorKind != null;
        }

        public static Reply ok(long id, JsonNode result) {
            return new Reply(id, result, null, null);
        }

        public static Reply error(long id, String kind, String message) {
            return new Reply(id, null, kind, message);
        }
    }

    /** A request that is never answered. */
    record FireAndForget(String method, JsonNode params) implements Message {
        public String type() {
            return "fire_and_forget";
        }
    }

    /** Something the worker reports on its own: {@code warning}, {@code log} or {@code heartbeat}. */
    record Event(String event, String message, long weightsVersion) implements Message {
        public String type() {
            return "event";
        }
    }
}
