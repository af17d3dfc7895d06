package dev.cohort.trainer.internal.model;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The Hugging Face {@code model_type}s Cohort's policy implements, each with the architecture
 * class name transformers loads it as. GPT-2 has its own block (LayerNorm, learned positions,
 * GELU MLP, Conv1D weights); the others share the Llama block (RMSNorm, rotary embeddings,
 * grouped-query attention, SwiGLU MLP) and differ only in its options.
 */
public enum ModelType {
    GPT2("gpt2", "GPT2LMHeadModel"),
    LLAMA("llama", "LlamaForCausalLM"),
    MISTRAL("mistral", "MistralForCausalLM"),
    QWEN2("qwen2", "Qwen2ForCausalLM"),
    QWEN3("qwen3", "Qwen3ForCausalLM");

    private final String hfName;
    private final String architecture;

    ModelType(String hfName, String architecture) {
        this.hfName = hfName;
        this.architecture = architecture;
    }

    /** config.json's model_type. */
    public String hfName() {
        return hfName;
    }

    /** config.json's architectures[0]. */
    public String architecture() {
        return architecture;
    }

    /** Whether blocks are Llama's (RMSNorm, rotary, SwiGLU) rather than GPT-2's. */
    public boolean llamaBlock() {
        return this != GPT2;
    }

    /** The type of a model_type value, or null. */
    public static ModelType of(String hfName) {
        for (ModelType t : values()) {
            if (t.hfName.equals(hfName)) {
                return t;
            }
        }
        return null;
    }

    /** The supported model_type values, for error messages. */
    public static String supported() {
        return Arrays.stream(values()).map(ModelType::hfName).collect(Collectors.joining(", "));
    }
}
