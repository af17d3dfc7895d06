package dev.cohort.vllm.internal.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/** Message to JSON object and back, with errors that say what was wrong with a frame. */
public final class Codec {

    private final ObjectMapper json = new ObjectMapper();

    public ObjectMapper mapper() {
        return json;
    }

    public String encode(Message m) {
        ObjectNode n = json.createObjectNode();
        n.put("type", m.type());
        if (m instanceof Message.ClientHello h) {
            n.put("protocol", h.protocol());
            if (h.token() != null) {
                n.put("token", h.token());
            }
            if (h.heartbeatMs() > 0) {
                n.put("heartbeat_ms", h.heartbeatMs());
            }
        } else if (m instanceof Message.WorkerHello h) {
            n.put("protocol", h.protocol());
            n.put("worker_id", h.workerId());
            n.put("model", h.model());
            n.put("weights_version", h.weightsVersion());
            h.capabilities().forEach(n.putArray("capabilities")::add);
        } else if (m instanceof Message.Refusal r) {
            n.put("kind", r.kind());
            n.put("message", r.message());
        } else if (m instanceof Message.Call c) {
            n.put("id", c.id());
            n.put("method", c.method());
            n.set("params", c.params() == null ? json.createObjectNode() : c.params());
            n.put("deadline_ms", c.deadlineMs());
        } else if (m instanceof Message.Reply r) {
            n.put("id", r.id());
            if (r.failed()) {
                ObjectNode e = n.putObject("error");
                e.put("kind", r.errorKind());
                e.put("message", r.errorMessage());
            } else {
                n.set("result", r.result() == null ? json.createObjectNode() : r.result());
            }
        } else if (m instanceof Message.FireAndForget f) {
            n.put("method", f.method());
            n.set("params", f.params() == null ? json.createObjectNode() : f.params());
        } else if (m instanceof Message.Event e) {
            n.put("event", e.event());
            n.put("message", e.message());
            n.put("weights_version", e.weightsVersion());
        }
        try {
            return json.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Parses one frame.
     *
     * @param fromWorker whether the frame comes from a worker (a "hello" is then the worker's)
     * @throws ProtocolException naming what is wrong
     */
    public Message decode(String frame, boolean fromWorker) throws ProtocolException {
        JsonNode n;
        try {
            n = json.readTree(frame);
        } catch (JsonProcessingException e) {
            throw new ProtocolException("not JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) {
            throw new ProtocolException("not a JSON object");
        }
        String type = text(n, "type");
        switch (type) {
            case "hello":
                if (fromWorker) {
                    List<String> caps = new ArrayList<>();
                    n.path("capabilities").forEach(c -> caps.add(c.asText()));
                    return new Message.WorkerHello(integer(n, "protocol"), text(n, "worker_id"), n.path("model").asText(""),
                            n.path("weights_version").asLong(0), caps);
                }
                return new Message.ClientHello(integer(n, "protocol"), n.hasNonNull("token") ? n.get("token").asText() : null,
                        Math.max(0, n.path("heartbeat_ms").asLong(0)));
            case "error":
                return new Message.Refusal(text(n, "kind"), n.path("message").asText(""));
            case "call":
                return new Message.Call(id(n), text(n, "method"), n.path("params"), n.path("deadline_ms").asLong(0));
            case "reply":
                if (n.has("error")) {
                    JsonNode e = n.get("error");
                    return Message.Reply.error(id(n), e.path("kind").asText(Protocol.INTERNAL), e.path("message").asText(""));
                }
                if (!n.has("result")) {
                    throw new ProtocolException("reply " + n.path("id") + " has neither result nor error");
                }
                return Message.Reply.ok(id(n), n.get("result"));
            case "fire_and_forget":
                return new Message.FireAndForget(text(n, "method"), n.path("params"));
            case "event":
                return new Message.Event(text(n, "event"), n.path("message").asText(""), n.path("weights_version").asLong(-1));
            default:
                throw new ProtocolException("unknown message type '" + type + "'");
        }
    }

    private static String text(JsonNode n, String field) throws ProtocolException {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new ProtocolException("field '" + field + "' is missing or not a string");
        }
        return v.asText();
    }

    private static int integer(JsonNode n, String field) throws ProtocolException {
        JsonNode v = n.get(field);
        if (v == null || !v.canConvertToInt()) {
            throw new ProtocolException("field '" + field + "' is missing or not an integer");
        }
        return v.asInt();
    }

    private static long id(JsonNode n) throws ProtocolException {
        JsonNode v = n.get("id");
        if (v == null || !v.canConvertToLong()) {
            throw new ProtocolException("field 'id' is missing or not an integer");
        }
        return v.asLong();
    }
}
