package dev.cohort.vllm.internal.worker;

import com.fasterxml.jackson.databind.JsonNode;

/** Reads a call's params, naming the field in every error. */
final class Params {

    private final JsonNode params;

    Params(JsonNode params) throws BadRequest {
        if (params == null || !params.isObject()) {
            throw new BadRequest("", "params must be a JSON object");
        }
        this.params = params;
    }

    JsonNode node(String field) {
        JsonNode v = params.get(field);
        return v == null || v.isNull() ? null : v;
    }

    int integer(String field, Integer dflt) throws BadRequest {
        JsonNode v = node(field);
        if (v == null) {
            if (dflt == null) {
                throw new BadRequest(field, "is required");
            }
            return dflt;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new BadRequest(field, "must be an integer, got " + v);
        }
        return v.intValue();
    }

    long longValue(String field, Long dflt) throws BadRequest {
        JsonNode v = node(field);
        if (v == null) {
            if (dflt == null) {
                throw new BadRequest(field, "is required");
            }
            return dflt;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new BadRequest(field, "must be a 64-bit integer, got " + v);
        }
        return v.longValue();
    }

    float number(String field, float dflt) throws BadRequest {
        JsonNode v = node(field);
        if (v == null) {
            return dflt;
        }
        if (!v.isNumber()) {
            throw new BadRequest(field, "must be a number, got " + v);
        }
        return (float) v.doubleValue();
    }

    String text(String field) throws BadRequest {
        JsonNode v = node(field);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw new BadRequest(field, "must be a non-empty string, got " + v);
        }
        return v.asText();
    }

    /** An array of ints, each in [0, bound). */
    static int[] tokens(JsonNode v, String field, int bound) throws BadRequest {
        if (v == null || !v.isArray()) {
            throw new BadRequest(field, "must be a list of token ids, got " + v);
        }
        int[] out = new int[v.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode t = v.get(i);
            if (!t.isIntegralNumber() || !t.canConvertToInt() || t.intValue() < 0 || t.intValue() >= bound) {
                throw new BadRequest(field + "[" + i + "]", "must be a token id in [0, " + bound + "), got " + t);
            }
            out[i] = t.intValue();
        }
        return out;
    }
}
