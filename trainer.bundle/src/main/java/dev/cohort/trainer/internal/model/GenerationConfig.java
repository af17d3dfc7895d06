package dev.cohort.trainer.internal.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;

/** generation_config.json with the model's BOS and EOS ids, as transformers' GenerationConfig writes them. */
final class GenerationConfig {

    private GenerationConfig() {
    }

    static void write(ModelConfig cfg, Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode n = json.createObjectNode();
        if (cfg.bosTokenId() >= 0) {
            n.put("bos_token_id", cfg.bosTokenId());
        }
        ConfigJson.putIds(n, "eos_token_id", cfg.eosTokenIds());
        json.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), n);
    }
}
