package dev.cohort.plugins.python.rewards;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.api.reward.RewardInput;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A batch as TRL's GRPOTrainer hands it to a reward function, and the function's answer back.
 * The call's parameters: {@code prompts} (each row's prompt field, a string or TRL's list of
 * messages; the trainer's prompt text when the row has none), {@code completions} (text; the
 * server wraps each in an assistant message when {@code conversational}), {@code completion_ids},
 * {@code columns} (every other field of the first row, one value per sample, as TRL passes them
 * as keyword arguments) and {@code step} (for {@code trainer_state.global_step}).
 */
final class ScoreRequest {

    /** Row keys TRL never passes as keyword arguments (besides the prompt field). */
    private static final Set<String> NOT_COLUMNS = Set.of("completion", "completion_ids");

    private ScoreRequest() {
    }

    static ObjectNode params(ObjectMapper json, String function, RewardInput in, String promptField, long timeoutMs) {
        ObjectNode p = json.createObjectNode();
        p.put("function", function);
        p.put("step", in.step());
        p.put("timeout_ms", timeoutMs);
        List<Map<String, Object>> rows = in.rows();
        ArrayNode prompts = p.putArray("prompts");
        for (int i = 0; i < in.size(); i++) {
            Object v = rows.get(i).get(promptField);
            prompts.add(v instanceof String || isMessages(v) ? json.valueToTree(v) : json.getNodeFactory()
                    .textNode(in.prompts().get(i)));
        }
        p.put("conversational", in.size() > 0 && isMessages(rows.get(0).get(promptField)));
        ArrayNode completions = p.putArray("completions");
        in.completions().forEach(completions::add);
        ArrayNode ids = p.putArray("completion_ids");
        for (int i = 0; i < in.size(); i++) {
            ArrayNode one = ids.addArray();
            for (int t : in.completionTokenIds(i)) {
                one.add(t);
            }
        }
        ObjectNode columns = p.putObject("columns");
        if (in.size() > 0) {
            for (String key : rows.get(0).keySet()) {
                if (!key.equals(promptField) && !NOT_COLUMNS.contains(key)) {
                    ArrayNode col = columns.putArray(key);
                    rows.forEach(r -> col.add(json.valueToTree(r.get(key))));
                }
            }
        }
        return p;
    }

    /** TRL's test for a conversational example: a list whose first element is a map with a role. */
    static boolean isMessages(Object v) {
        return v instanceof List<?> l && !l.isEmpty() && l.get(0) instanceof Map<?, ?> m && m.containsKey("role");
    }

    /**
     * The rewards of a {@code score} result: one per sample, null as NaN.
     *
     * @throws PythonRewardException when the result is not {@code samples} numbers or nulls
     */
    static double[] rewards(String what, JsonNode result, int samples) {
        JsonNode r = result.path("rewards");
        if (!r.isArray() || r.size() != samples) {
            throw new PythonRewardException(what + " answered " + (r.isArray() ? r.size() + " values" : "no rewards")
                    + " for " + samples + " samples");
        }
        double[] out = new double[samples];
        for (int i = 0; i < samples; i++) {
            JsonNode v = r.get(i);
            if (v.isNull()) {
                out[i] = Double.NaN;
            } else if (v.isNumber()) {
                out[i] = v.asDouble();
            } else {
                throw new PythonRewardException(what + " answered " + v + " for sample " + i);
            }
        }
        return out;
    }
}
