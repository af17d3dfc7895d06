package dev.cohort.trainer.internal.model;

import java.util.List;

/**
 * A LoRA adapter's settings, with PEFT's names and meanings (LoraConfig): rank {@code r},
 * {@code lora_alpha}, {@code lora_dropout} on the adapter's input, the target modules by their
 * Hugging Face names ({@code q_proj}, ..., GPT-2's {@code c_attn}, {@code c_proj}, {@code c_fc};
 * {@code all-linear}; empty: PEFT's default for the family) and rsLoRA's scaling.
 *
 * @param targetModules as configured; {@link LoraTargets} resolves them for a model
 */
public record LoraConfig(int r, double alpha, double dropout, List<String> targetModules, boolean rslora) {

    /** PEFT's {@code all-linear}: every linear layer of the blocks (not the LM head). */
    public static final String ALL_LINEAR = "all-linear";
    /** The module names a target list may hold: the Llama family's, then GPT-2's (as PEFT names them). */
    public static final List<String> MODULES = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
            "up_proj", "down_proj", "c_attn", "c_proj", "c_fc");

    public LoraConfig {
        if (r < 1) {
            throw new IllegalArgumentException("lora_r must be >= 1, got " + r);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("lora_dropout must be in [0, 1), got " + dropout);
        }
        targetModules = List.copyOf(targetModules);
    }

    /** The factor of the adapter's product: alpha / r, or alpha / sqrt(r) with rsLoRA (PEFT's {@code scaling}). */
    public double scaling() {
        return rslora ? alpha / Math.sqrt(r) : alpha / r;
    }
}
