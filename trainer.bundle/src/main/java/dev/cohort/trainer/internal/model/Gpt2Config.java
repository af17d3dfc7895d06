package dev.cohort.trainer.internal.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.trainer.internal.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Shape of a GPT-2-family model, with Hugging Face's config.json field names: n_layer, n_head,
 * n_embd, n_positions, vocab_size, layer_norm_epsilon (and bos/eos_token_id).
 */
public record Gpt2Config(int nLayer, int nHead, int nEmbd, int nPositions, int vocabSize,
        float layerNormEpsilon, int eosTokenId) {

    public Gpt2Config {
        positive("n_layer", nLayer);
        positive("n_head", nHead);
        positive("n_embd", nEmbd);
        positive("n_positions", nPositions);
        positive("vocab_size", vocabSize);
        if (nEmbd % nHead != 0) {
            throw new IllegalArgumentException("n_embd " + nEmbd + " is not a multiple of n_head " + nHead);
        }
        if (!(layerNormEpsilon > 0)) {
            throw new IllegalArgumentException("layer_norm_epsilon must be > 0, got " + layerNormEpsilon);
        }
        if (eosTokenId < 0 || eosTokenId >= vocabSize) {
            throw new IllegalArgumentException("eos_token_id " + eosTokenId + " is outside the vocabulary of " + vocabSize);
        }
    }

    private static void positive(String key, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(key + " must be > 0, got " + v);
        }
    }

    /** GPT-2 small (124M). */
    public static Gpt2Config gpt2() {
        return new Gpt2Config(12, 12, 768, 1024, 50257, 1e-5f, 50256);
    }

    /** Named sizes: gpt2, gpt2-medium, gpt2-large, gpt2-xl, and tiny (a test-sized model with GPT-2's vocabulary). */
    public static Gpt2Config named(String size) {
        switch (size) {
            case "gpt2":
                return gpt2();
            case "gpt2-medium":
                return new Gpt2Config(24, 16, 1024, 1024, 50257, 1e-5f, 50256);
            case "gpt2-large":
                return new Gpt2Config(36, 20, 1280, 1024, 50257, 1e-5f, 50256);
            case "gpt2-xl":
                return new Gpt2Config(48, 25, 1600, 1024, 50257, 1e-5f, 50256);
            case "tiny":
                return new Gpt2Config(2, 2, 64, 256, 50257, 1e-5f, 50256);
            default:
                throw new IllegalArgumentException("unknown model size '" + size
                        + "'; known: gpt2, gpt2-medium, gpt2-large, gpt2-xl, tiny");
        }
    }

    public int headSize() {
        return nEmbd / nHead;
    }

    /** Reads a Hugging Face config.json. */
    public static Gpt2Config read(Path file) throws IOException {
        JsonNode n;
        try {
            n = new ObjectMapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new CheckpointException(file + ": not a JSON config: " + e.getMessage(), e);
        }
        if (n == null || !n.isObject()) {
            throw new CheckpointException(file + ": not a JSON object");
        }
        String type = n.path("model_type").asText("gpt2");
        if (!type.equals("gpt2")) {
            throw new CheckpointException(file + ": model_type is '" + type + "', Cohort's policy is gpt2");
        }
        try {
            return new Gpt2Config(required(file, n, "n_layer"), required(file, n, "n_head"),
                    required(file, n, "n_embd"), n.path("n_positions").asInt(n.path("n_ctx").asInt(1024)),
                    required(file, n, "vocab_size"), (float) n.path("layer_norm_epsilon").asDouble(1e-5),
                    n.path("eos_token_id").asInt(required(file, n, "vocab_size") - 1));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file + ": " + e.getMessage(), e);
        }
    }

    private static int required(Path file, JsonNode n, String key) throws CheckpointException {
        if (!n.path(key).canConvertToInt()) {
            throw new CheckpointException(file + ": '" + key + "' is missing or not an integer");
        }
        return n.get(key).asInt();
    }

    /** Writes a config.json that Hugging Face transformers loads as a GPT2LMHeadModel. */
    public void write(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode n = json.createObjectNode();
        n.put("model_type", "gpt2");
        n.putArray("architectures").add("GPT2LMHeadModel");
        n.put("n_layer", nLayer);
        n.put("n_head", nHead);
        n.put("n_embd", nEmbd);
        n.put("n_positions", nPositions);
        n.put("n_ctx", nPositions);
        n.put("vocab_size", vocabSize);
        n.put("layer_norm_epsilon", layerNormEpsilon);
        n.put("activation_function", "gelu_new");
        n.put("bos_token_id", eosTokenId);
        n.put("eos_token_id", eosTokenId);
        n.put("tie_word_embeddings", true);
        n.put("torch_dtype", "float32");
        json.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), n);
    }
}
