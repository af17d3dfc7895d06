package dev.cohort.vllm.internal.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.vllm.internal.rpc.BridgeLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the bridge reads from a directory it syncs: the vocabulary size that bounds token ids, and
 * whether it holds LoRA adapters in PEFT's format (and then their base checkpoint).
 */
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

    /** PEFT's adapter configuration: its presence marks an adapter directory. */
    static final String ADAPTER_CONFIG = "adapter_config.json";

    /**
     * The base checkpoint of the adapter directory {@code dir} (its adapter_config.json's
     * {@code base_model_name_or_path}, a directory with config.json, absolute), or null when
     * {@code dir} holds no adapters.
     */
    static Path adapterBase(Path dir) throws IOException {
        Path config = dir.resolve(ADAPTER_CONFIG);
        if (!Files.isRegularFile(config)) {
            return null;
        }
        JsonNode n = new ObjectMapper().readTree(Files.readString(config));
        String base = n.path("base_model_name_or_path").asText("");
        Path p = base.isEmpty() ? null : dir.resolve(base).toAbsolutePath().normalize();
        if (p == null || !Files.isRegularFile(p.resolve("config.json"))) {
            throw new IOException(config + ": base_model_name_or_path '" + base + "' is not a checkpoint directory"
                    + " (no config.json): the workers load the adapters' base from it");
        }
        return p;
    }
}
