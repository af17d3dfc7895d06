package dev.cohort.trainer.internal.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.trainer.internal.checkpoint.CheckpointException;
import java.nio.file.Path;

/** The rope_scaling (transformers 4) or rope_parameters (transformers 5) object of a config.json. */
final class RopeReader {

    private RopeReader() {
    }

    /** null for none/default; Llama 3's parameters; anything else refused. */
    static RopeScaling scaling(Path file, JsonNode rope) throws CheckpointException {
        String type = rope.path("rope_type").asText(rope.path("type").asText("default"));
        switch (type) {
            case "default":
                return null;
            case "llama3":
                for (String key : new String[] {"factor", "low_freq_factor", "high_freq_factor",
                        "original_max_position_embeddings"}) {
                    if (!rope.path(key).isNumber()) {
                        throw new CheckpointException(file + ": rope_scaling of type llama3 has no number '" + key + "'");
                    }
                }
                try {
                    return new RopeScaling(rope.get("factor").asDouble(), rope.get("low_freq_factor").asDouble(),
                            rope.get("high_freq_factor").asDouble(), rope.get("original_max_position_embeddings").asInt());
                } catch (IllegalArgumentException e) {
                    throw new CheckpointException(file + ": " + e.getMessage(), e);
                }
            default:
                throw new CheckpointException(file + ": rope_scaling type is '" + type + "'; Cohort supports none"
                        + " (default) and llama3");
        }
    }

    static void write(ObjectNode n, RopeScaling s) {
        if (s == null) {
            n.putNull("rope_scaling");
            return;
        }
        ObjectNode r = n.putObject("rope_scaling");
        r.put("rope_type", "llama3");
        r.put("factor", s.factor());
        r.put("low_freq_factor", s.lowFreqFactor());
        r.put("high_freq_factor", s.highFreqFactor());
        r.put("original_max_position_embeddings", s.originalMaxPositions());
    }
}
