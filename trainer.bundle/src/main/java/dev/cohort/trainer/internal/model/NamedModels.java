package dev.cohort.trainer.internal.model;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Named random initialisations of real shapes, for benchmarks and tests: GPT-2's sizes, the
 * usual GRPO starting points of the Llama family (their published config.json values), and a
 * tiny model per family with that family's vocabulary and token ids.
 */
final class NamedModels {

    private static final int QWEN_VOCAB = 151936;
    private static final int QWEN_EOS = 151645;
    private static final int QWEN_BOS = 151643;
    private static final int LLAMA3_VOCAB = 128256;
    private static final int[] LLAMA3_EOS = {128001, 128008, 128009};
    private static final int LLAMA3_BOS = 128000;
    private static final RopeScaling LLAMA32_ROPE = new RopeScaling(32, 1, 4, 8192);

    private static final Map<String, ModelConfig> SIZES = sizes();

    private NamedModels() {
    }

    private static Map<String, ModelConfig> sizes() {
        Map<String, ModelConfig> m = new LinkedHashMap<>();
        m.put("gpt2", ModelConfig.gpt2(12, 12, 768, 1024, 50257, 1e-5f, 50256));
        m.put("gpt2-medium", ModelConfig.gpt2(24, 16, 1024, 1024, 50257, 1e-5f, 50256));
        m.put("gpt2-large", ModelConfig.gpt2(36, 20, 1280, 1024, 50257, 1e-5f, 50256));
        m.put("gpt2-xl", ModelConfig.gpt2(48, 25, 1600, 1024, 50257, 1e-5f, 50256));
        m.put("tiny", ModelConfig.gpt2(2, 2, 64, 256, 50257, 1e-5f, 50256));
        m.put("qwen2.5-0.5b", qwen2(24, 896, 14, 2, 4864));
        m.put("qwen2.5-1.5b", qwen2(28, 1536, 12, 2, 8960));
        m.put("qwen2.5-3b", qwen2(36, 2048, 16, 2, 11008));
        m.put("qwen3-0.6b", qwen3(28, 1024, 16, 8, 3072));
        m.put("qwen3-1.7b", qwen3(28, 2048, 16, 8, 6144));
        m.put("llama-3.2-1b", llama32(16, 2048, 32, 8, 8192));
        m.put("llama-3.2-3b", llama32(28, 3072, 24, 8, 8192));
        m.put("tiny-qwen2", new ModelConfig(ModelType.QWEN2, 2, 4, 2, 16, 64, 128, 512, QWEN_VOCAB, 1e-6f, 1e6, null,
                true, false, false, false, true, 0, new int[] {QWEN_EOS}, QWEN_BOS, "float32", null));
        m.put("tiny-qwen3", new ModelConfig(ModelType.QWEN3, 2, 4, 2, 32, 64, 128, 512, QWEN_VOCAB, 1e-6f, 1e6, null,
                false, false, false, true, true, 0, new int[] {QWEN_EOS}, QWEN_BOS, "float32", null));
        m.put("tiny-llama", new ModelConfig(ModelType.LLAMA, 2, 4, 2, 16, 64, 128, 512, LLAMA3_VOCAB, 1e-5f, 5e5,
                LLAMA32_ROPE, false, false, false, false, false, 0, LLAMA3_EOS, LLAMA3_BOS, "float32", null));
        m.put("tiny-mistral", new ModelConfig(ModelType.MISTRAL, 2, 4, 2, 16, 64, 128, 512, 32768, 1e-5f, 1e6, null,
                false, false, false, false, false, 0, new int[] {2}, 1, "float32", null));
        return m;
    }

    private static ModelConfig qwen2(int layers, int hidden, int heads, int kv, int mlp) {
        return new ModelConfig(ModelType.QWEN2, layers, heads, kv, hidden / heads, hidden, mlp, 32768, QWEN_VOCAB,
                1e-6f, 1e6, null, true, false, false, false, true, 0, new int[] {QWEN_EOS}, QWEN_BOS, "bfloat16", null);
    }

    private static ModelConfig qwen3(int layers, int hidden, int heads, int kv, int mlp) {
        return new ModelConfig(ModelType.QWEN3, layers, heads, kv, 128, hidden, mlp, 40960, QWEN_VOCAB, 1e-6f, 1e6,
                null, false, false, false, true, true, 0, new int[] {QWEN_EOS}, QWEN_BOS, "bfloat16", null);
    }

    private static ModelConfig llama32(int layers, int hidden, int heads, int kv, int mlp) {
        return new ModelConfig(ModelType.LLAMA, layers, heads, kv, hidden / heads, hidden, mlp, 131072, LLAMA3_VOCAB,
                1e-5f, 5e5, LLAMA32_ROPE, false, false, false, false, true, 0, LLAMA3_EOS, LLAMA3_BOS, "bfloat16",
                null);
    }

    static ModelConfig config(String name) {
        ModelConfig c = SIZES.get(name);
        if (c == null) {
            throw new IllegalArgumentException("unknown model size '" + name + "'; known: "
                    + String.join(", ", SIZES.keySet()));
        }
        return c;
    }

    static boolean known(String name) {
        return SIZES.containsKey(name);
    }
}
