package dev.cohort.trainer.internal.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Where each LoRA adapter of a model acts, by PEFT's module names: which frozen product of which
 * block, its input and output widths, and the columns of the (possibly fused) product's output
 * that it adds to. The Llama family stores q_proj, k_proj and v_proj as one product (q, k, v
 * columns side by side) and gate_proj, up_proj as another; PEFT adapts each module on its own, so
 * q_proj's adapter adds to the q columns only. GPT-2's {@code c_proj} names both the attention's
 * and the MLP's output product, as PEFT's suffix match does.
 */
public final class LoraModules {

    /** The four products of a block. */
    public enum Product { QKV, O, MLP_IN, MLP_OUT }

    /**
     * One adapter: PEFT's module path ({@code model.layers.0.self_attn.q_proj},
     * {@code transformer.h.0.attn.c_attn}), block, product, input width, output width, first column
     * and the product's full width.
     */
    public record Module(String name, int layer, Product product, int in, int out, int col, int width) {

        /** PEFT's saved name of A ({@code lora_A.weight}, (r, in)) or B ({@code lora_B.weight}, (out, r)). */
        public String key(boolean a) {
            return "base_model.model." + name + (a ? ".lora_A.weight" : ".lora_B.weight");
        }
    }

    static final List<String> LLAMA = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
            "down_proj");
    static final List<String> GPT2 = List.of("c_attn", "c_proj", "c_fc");

    private LoraModules() {
    }

    /** The module names of the family's linear layers, in order. */
    public static List<String> linear(ModelConfig cfg) {
        return cfg.type().llamaBlock() ? LLAMA : GPT2;
    }

    /**
     * The configured targets for this model: PEFT's default for the family when none are given
     * (q_proj and v_proj; GPT-2's c_attn), every linear layer for {@code all-linear}; a name the
     * family has not is refused, naming the key.
     */
    public static List<String> targets(ModelConfig cfg, List<String> configured) {
        List<String> known = linear(cfg);
        if (configured.isEmpty()) {
            return cfg.type().llamaBlock() ? List.of("q_proj", "v_proj") : List.of("c_attn");
        }
        if (configured.equals(List.of(LoraConfig.ALL_LINEAR))) {
            return known;
        }
        for (String t : configured) {
            if (!known.contains(t)) {
                throw new IllegalArgumentException("lora_target_modules: '" + t + "' is not a linear layer of a "
                        + cfg.type().hfName() + " model (its modules: " + String.join(", ", known) + ")");
            }
        }
        return known.stream().filter(configured::contains).toList();
    }

    /** Every adapter of the model, block by block, in the family's module order. */
    public static List<Module> of(ModelConfig cfg, List<String> targets) {
        List<Module> out = new ArrayList<>();
        int c = cfg.nEmbd();
        int q = cfg.nHead() * cfg.headDim();
        int kv = cfg.nKvHead() * cfg.headDim();
        int qkv = cfg.type().llamaBlock() ? q + 2 * kv : 3 * c;
        for (int l = 0; l < cfg.nLayer(); l++) {
            if (cfg.type().llamaBlock()) {
                String a = "model.layers." + l + ".self_attn.";
                String m = "model.layers." + l + ".mlp.";
                int i = cfg.intermediate();
                add(out, targets, "q_proj", new Module(a + "q_proj", l, Product.QKV, c, q, 0, qkv));
                add(out, targets, "k_proj", new Module(a + "k_proj", l, Product.QKV, c, kv, q, qkv));
                add(out, targets, "v_proj", new Module(a + "v_proj", l, Product.QKV, c, kv, q + kv, qkv));
                add(out, targets, "o_proj", new Module(a + "o_proj", l, Product.O, q, c, 0, c));
                add(out, targets, "gate_proj", new Module(m + "gate_proj", l, Product.MLP_IN, c, i, 0, 2 * i));
                add(out, targets, "up_proj", new Module(m + "up_proj", l, Product.MLP_IN, c, i, i, 2 * i));
                add(out, targets, "down_proj", new Module(m + "down_proj", l, Product.MLP_OUT, i, c, 0, c));
            } else {
                String h = "transformer.h." + l + ".";
                add(out, targets, "c_attn", new Module(h + "attn.c_attn", l, Product.QKV, c, 3 * c, 0, 3 * c));
                add(out, targets, "c_proj", new Module(h + "attn.c_proj", l, Product.O, c, c, 0, c));
                add(out, targets, "c_fc", new Module(h + "mlp.c_fc", l, Product.MLP_IN, c, cfg.mlpWidth(), 0, cfg.mlpWidth()));
                add(out, targets, "c_proj", new Module(h + "mlp.c_proj", l, Product.MLP_OUT, cfg.mlpWidth(), c, 0, c));
            }
        }
        return out;
    }

    private static void add(List<Module> out, List<String> targets, String name, Module m) {
        if (targets.contains(name)) {
            out.add(m);
        }
    }
}
