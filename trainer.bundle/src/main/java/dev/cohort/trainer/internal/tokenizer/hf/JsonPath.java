package dev.cohort.trainer.internal.tokenizer.hf;

import com.fasterxml.jackson.databind.JsonNode;

/** A node of tokenizer.json with its JSON path, for errors that say where the problem is. */
record JsonPath(String file, String path, JsonNode node) {

    JsonPath get(String key) {
        return new JsonPath(file, path + "/" + key, node.path(key));
    }

    JsonPath get(int i) {
        return new JsonPath(file, path + "/" + i, node.path(i));
    }

    boolean isNull() {
        return node.isMissingNode() || node.isNull();
    }

    String type() {
        return text("type");
    }

    String text(String key) {
        JsonNode n = node.get(key);
        if (n == null || !n.isTextual()) {
            throw error(key + ": expected a string, got " + (n == null ? "nothing" : n.getNodeType()));
        }
        return n.asText();
    }

    boolean bool(String key, boolean orElse) {
        JsonNode n = node.get(key);
        return n == null || n.isNull() ? orElse : n.asBoolean();
    }

    IllegalArgumentException error(String message) {
        return new IllegalArgumentException(file + ": " + (path.isEmpty() ? "/" : path) + ": " + message);
    }

    IllegalArgumentException unsupported(String what, String supported) {
        return error(what + " type \"" + node.path("type").asText() + "\" is not supported (supported: " + supported
                + ")");
    }
}
