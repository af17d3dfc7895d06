package dev.cohort.trainer.internal.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.trainer.internal.checkpoint.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A Hugging Face config.json to a {@link ModelConfig} and back, with transformers' field names
 * and defaults per model_type. Everything Cohort does not implement (another model_type, rope
 * scaling other than llama3, partial rotary, Qwen's per-layer sliding window, another activation)
 * is refused here, before any weight is read, naming the key, its value and what is supported.
 */
public final class ConfigJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ConfigJson() {
    }

    /** Reads a config.json. */
    public static ModelConfig read(Path file) throws IOException {
        String text = Files.readString(file);
        JsonNode n;
        try {
            n = JSON.readTree(text);
        } catch (IOException e) {
            throw new CheckpointException(file + ": not a JSON config: " + e.getMessage(), e);
        }
        if (n == null || !n.isObject()) {
            throw new CheckpointException(file + ": not a JSON object");
        }
        String typeName = n.path("model_type").asText("gpt2");
        ModelType type = ModelType.of(typeName);
        if (type == null) {
            throw new CheckpointException(file + ": model_type is '" + typeName + "'; Cohort's policies are "
                    + ModelType.supported());
        }
        try {
            return type.llamaBlock() ? llama(file, n, type, text) : gpt2(file, n, text);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file + ": " + e.getMessage(), e);
        }
    }

    private static ModelConfig gpt2(Path file, JsonNode n, String text) throws CheckpointException {
        String act = n.path("activation_function").asText("gelu_new");
        if (!act.equals("gelu_new")) {
            throw new CheckpointException(file + ": activation_function is '" + act + "'; Cohort's GPT-2 uses gelu_new");
        }
        int embd = required(file, n, "n_embd");
        int heads = required(file, n, "n_head");
        int vocab = required(file, n, "vocab_size");
        if (n.hasNonNull("n_inner") && n.get("n_inner").asInt() != 4 * embd) {
            throw new CheckpointException(file + ": n_inner is " + n.get("n_inner") + "; Cohort's GPT-2 uses 4 * n_embd");
        }
        ModelConfig c = ModelConfig.gpt2(required(file, n, "n_layer"), heads, embd,
                n.path("n_positions").asInt(n.path("n_ctx").asInt(1024)), vocab,
                (float) n.path("layer_norm_epsilon").asDouble(1e-5), ids(n.get("eos_token_id"), vocab - 1)[0]);
        return withSource(c, text, dtype(n));
    }

    private static ModelConfig llama(Path file, JsonNode n, ModelType type, String text) throws CheckpointException {
        String act = n.path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw new CheckpointException(file + ": hidden_act is '" + act + "'; Cohort's " + type.hfName()
                    + " uses silu");
        }
        int hidden = required(file, n, "hidden_size");
        int heads = required(file, n, "num_attention_heads");
        int kv = n.hasNonNull("num_key_value_heads") ? required(file, n, "num_key_value_heads") : heads;
        int headDim = n.hasNonNull("head_dim") ? required(file, n, "head_dim") : hidden / heads;
        if (!n.hasNonNull("head_dim") && hidden % heads != 0) {
            throw new CheckpointException(file + ": hidden_size " + hidden + " is not a multiple of"
                    + " num_attention_heads " + heads + " and head_dim is not given");
        }
        JsonNode rope = ropeParameters(n);
        double theta = rope.path("rope_theta").asDouble(n.path("rope_theta").asDouble(10000.0));
        RopeScaling scaling = RopeReader.scaling(file, rope);
        if (n.path("partial_rotary_factor").asDouble(1.0) != 1.0 || rope.path("partial_rotary_factor").asDouble(1.0) != 1.0) {
            throw new CheckpointException(file + ": partial_rotary_factor is not 1; Cohort rotates whole heads");
        }
        boolean attentionBias = n.path("attention_bias").asBoolean(false);
        boolean qkvBias = type == ModelType.QWEN2 || attentionBias;
        boolean outBias = type != ModelType.QWEN2 && attentionBias;
        boolean mlpBias = n.path("mlp_bias").asBoolean(false);
        int window = slidingWindow(file, n, type);
        int vocab = required(file, n, "vocab_size");
        ModelConfig c = new ModelConfig(type, required(file, n, "num_hidden_layers"), heads, kv, headDim, hidden,
                required(file, n, "intermediate_size"), n.path("max_position_embeddings").asInt(2048), vocab,
                (float) n.path("rms_norm_eps").asDouble(1e-6), theta, scaling, qkvBias, outBias, mlpBias,
                type == ModelType.QWEN3, n.path("tie_word_embeddings").asBoolean(false), window,
                ids(n.get("eos_token_id"), -1), n.path("bos_token_id").asInt(-1), dtype(n), text);
        return c;
    }

    /** transformers 5 keeps rope settings in rope_parameters, 4.x in rope_scaling and rope_theta. */
    private static JsonNode ropeParameters(JsonNode n) {
        JsonNode p = n.get("rope_parameters");
        if (p != null && p.isObject()) {
            return p;
        }
        JsonNode s = n.get("rope_scaling");
        return s != null && s.isObject() ? s : JSON.createObjectNode();
    }

    private static int slidingWindow(Path file, JsonNode n, ModelType type) throws CheckpointException {
        if (type == ModelType.MISTRAL) {
            return n.path("sliding_window").isInt() ? n.get("sliding_window").asInt() : 0;
        }
        for (JsonNode layer : n.path("layer_types")) {
            if (!layer.asText().equals("full_attention") && type != ModelType.MISTRAL) {
                throw new CheckpointException(file + ": layer_types has '" + layer.asText() + "'; Cohort's "
                        + type.hfName() + " layers attend over whole sequences (full_attention)");
            }
        }
        if (n.path("use_sliding_window").asBoolean(false)) {
            throw new CheckpointException(file + ": use_sliding_window is true; Cohort's " + type.hfName()
                    + " attends over whole sequences (set it to false, as the released checkpoints do)");
        }
        return 0;
    }

    private static String dtype(JsonNode n) {
        String d = n.path("torch_dtype").asText(n.path("dtype").asText("float32"));
        return d.equals("bfloat16") || d.equals("float16") ? d : "float32";
    }

    private static ModelConfig withSource(ModelConfig c, String text, String dtype) {
        return new ModelConfig(c.type(), c.nLayer(), c.nHead(), c.nKvHead(), c.headDim(), c.nEmbd(), c.intermediate(),
                c.nPositions(), c.vocabSize(), c.normEps(), c.ropeTheta(), c.ropeScaling(), c.qkvBias(), c.outBias(),
                c.mlpBias(), c.qkNorm(), c.tiedEmbeddings(), c.slidingWindow(), c.eosTokenIds(), c.bosTokenId(), dtype,
                text);
    }

    /** This config with generation_config.json's EOS ids first (transformers' generate stops on those). */
    public static ModelConfig withGenerationEos(ModelConfig c, Path generationConfig) throws IOException {
        if (!Files.isRegularFile(generationConfig)) {
            return c;
        }
        JsonNode g = JSON.readTree(generationConfig.toFile());
        if (g == null || !g.hasNonNull("eos_token_id")) {
            return c;
        }
        Set<Integer> ids = new LinkedHashSet<>();
        for (int id : ids(g.get("eos_token_id"), -1)) {
            ids.add(id);
        }
        for (int id : c.eosTokenIds()) {
            ids.add(id);
        }
        return new ModelConfig(c.type(), c.nLayer(), c.nHead(), c.nKvHead(), c.headDim(), c.nEmbd(), c.intermediate(),
                c.nPositions(), c.vocabSize(), c.normEps(), c.ropeTheta(), c.ropeScaling(), c.qkvBias(), c.outBias(),
                c.mlpBias(), c.qkNorm(), c.tiedEmbeddings(), c.slidingWindow(),
                ids.stream().mapToInt(Integer::intValue).toArray(), c.bosTokenId(), c.dtype(), c.sourceJson());
    }

    /** eos_token_id: an integer or a list of them; {@code fallback} (when >= 0) if absent. */
    private static int[] ids(JsonNode v, int fallback) {
        if (v == null || v.isNull()) {
            return fallback >= 0 ? new int[] {fallback} : new int[0];
        }
        if (v.isArray()) {
            int[] r = new int[v.size()];
            for (int i = 0; i < r.length; i++) {
                r[i] = v.get(i).asInt();
            }
            return r;
        }
        return new int[] {v.asInt()};
    }

    private static int required(Path file, JsonNode n, String key) throws CheckpointException {
        if (!n.path(key).canConvertToInt()) {
            throw new CheckpointException(file + ": '" + key + "' is missing or not an integer");
        }
        return n.get(key).asInt();
    }

    /** Writes config.json: the source's text when there is one (dtype updated), else one transformers loads. */
    public static void write(ModelConfig c, Path file, String dtype) throws IOException {
        ObjectNode n = c.sourceJson() != null ? (ObjectNode) JSON.readTree(c.sourceJson()) : fresh(c);
        if (n.has("dtype") && !n.has("torch_dtype")) {
            n.put("dtype", dtype);
        } else {
            n.put("torch_dtype", dtype);
        }
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), n);
    }

    private static ObjectNode fresh(ModelConfig c) {
        ObjectNode n = JSON.createObjectNode();
        n.put("model_type", c.type().hfName());
        n.putArray("architectures").add(c.type().architecture());
        if (!c.type().llamaBlock()) {
            n.put("n_layer", c.nLayer());
            n.put("n_head", c.nHead());
            n.put("n_embd", c.nEmbd());
            n.put("n_positions", c.nPositions());
            n.put("n_ctx", c.nPositions());
            n.put("vocab_size", c.vocabSize());
            n.put("layer_norm_epsilon", c.normEps());
            n.put("activation_function", "gelu_new");
            n.put("bos_token_id", c.eosTokenId());
            n.put("eos_token_id", c.eosTokenId());
            n.put("tie_word_embeddings", true);
            return n;
        }
        n.put("hidden_size", c.nEmbd());
        n.put("num_hidden_layers", c.nLayer());
        n.put("num_attention_heads", c.nHead());
        n.put("num_key_value_heads", c.nKvHead());
        n.put("head_dim", c.headDim());
        n.put("intermediate_size", c.intermediate());
        n.put("max_position_embeddings", c.nPositions());
        n.put("vocab_size", c.vocabSize());
        n.put("rms_norm_eps", c.normEps());
        n.put("rope_theta", c.ropeTheta());
        RopeReader.write(n, c.ropeScaling());
        n.put("hidden_act", "silu");
        n.put("tie_word_embeddings", c.tiedEmbeddings());
        if (c.type() == ModelType.LLAMA || c.type() == ModelType.QWEN3) {
            n.put("attention_bias", c.type() == ModelType.LLAMA ? c.outBias() : c.qkvBias());
        }
        if (c.type() == ModelType.LLAMA) {
            n.put("mlp_bias", c.mlpBias());
        }
        if (c.type() == ModelType.MISTRAL) {
            if (c.slidingWindow() > 0) {
                n.put("sliding_window", c.slidingWindow());
            } else {
                n.putNull("sliding_window");
            }
        } else if (c.type() != ModelType.LLAMA) {
            n.put("use_sliding_window", false);
        }
        if (c.bosTokenId() >= 0) {
            n.put("bos_token_id", c.bosTokenId());
        }
        putIds(n, "eos_token_id", c.eosTokenIds());
        return n;
    }

    /** {@code key}: one id as a number, several as a list (as transformers writes eos_token_id). */
    static void putIds(ObjectNode n, String key, int[] ids) {
        if (ids.length == 1) {
            n.put(key, ids[0]);
            return;
        }
        ArrayNode a = n.putArray(key);
        for (int id : ids) {
            a.add(id);
        }
    }
}
