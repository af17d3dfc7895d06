package dev.cohort.vllm.internal.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.vllm.internal.rpc.BridgeLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the bridge reads from a checkpoint it syncs: the vocabulary size that bounds token ids. */
final class ModelFiles {

    private ModelFiles() {
    }

    /** {@code vocab_size} of {@code dir/config.json}, or 0 (unknown: ids are then only checked >= 0). */
    static int vocabSize(Path dir, BridgeLog log) {
        Path config = dir.resolve("config.json");
        try {
            JsonNode n = new ObjectMapper().readTree(Files.readString(config));
            JsonNode v = n.path("vocab_size");
            if (v.canConvertToInt() && v.asInt() > 0) {
                return v.asInt();
            }
            JsonNode text = n.path("text_config").path("vocab_size");
            return text.canConvertToInt() && text.asInt() > 0 ? text.asInt() : 0;
        } catch (IOException | RuntimeException e) {
            log.debug("vllm engine: no vocab_size in " + config + " (" + e.getMessage() + "); token ids are checked"
                    + " only for being >= 0");
            return 0;
        }
    }
}
