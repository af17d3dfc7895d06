package dev.cohort.trainer.internal.model;

/**
 * Hugging Face's parameter names of a model, by role. GPT-2 stores q, k, v in one c_attn and
 * its MLP input in one c_fc; the Llama family has q_proj, k_proj, v_proj and gate_proj, up_proj
 * (arrays list the parts that run as one product). Absent parameters are null.
 */
public record BlockNames(String wte, String wpe, String lnfw, String lnfb, String lmHead, Block[] blocks) {

    /** One block's names. */
    public record Block(String ln1w, String ln1b, String[] qkvw, String[] qkvb, String qNorm, String kNorm,
            String projw, String projb, String ln2w, String ln2b, String[] fcw, String[] fcb, String fcprojw,
            String fcprojb) {
    }

    public Block block(int l) {
        return blocks[l];
    }

    static BlockNames of(ModelConfig cfg) {
        Block[] blocks = new Block[cfg.nLayer()];
        if (!cfg.type().llamaBlock()) {
            for (int l = 0; l < blocks.length; l++) {
                String h = "h." + l + ".";
                blocks[l] = new Block(h + "ln_1.weight", h + "ln_1.bias", new String[] {h + "attn.c_attn.weight"},
                        new String[] {h + "attn.c_attn.bias"}, null, null, h + "attn.c_proj.weight",
                        h + "attn.c_proj.bias", h + "ln_2.weight", h + "ln_2.bias",
                        new String[] {h + "mlp.c_fc.weight"}, new String[] {h + "mlp.c_fc.bias"},
                        h + "mlp.c_proj.weight", h + "mlp.c_proj.bias");
            }
            return new BlockNames("wte.weight", "wpe.weight", "ln_f.weight", "ln_f.bias", "wte.weight", blocks);
        }
        for (int l = 0; l < blocks.length; l++) {
            String h = "model.layers." + l + ".";
            String a = h + "self_attn.";
            String m = h + "mlp.";
            blocks[l] = new Block(h + "input_layernorm.weight", null,
                    new String[] {a + "q_proj.weight", a + "k_proj.weight", a + "v_proj.weight"},
                    cfg.qkvBias() ? new String[] {a + "q_proj.bias", a + "k_proj.bias", a + "v_proj.bias"} : null,
                    cfg.qkNorm() ? a + "q_norm.weight" : null, cfg.qkNorm() ? a + "k_norm.weight" : null,
                    a + "o_proj.weight", cfg.outBias() ? a + "o_proj.bias" : null,
                    h + "post_attention_layernorm.weight", null,
                    new String[] {m + "gate_proj.weight", m + "up_proj.weight"},
                    cfg.mlpBias() ? new String[] {m + "gate_proj.bias", m + "up_proj.bias"} : null,
                    m + "down_proj.weight", cfg.mlpBias() ? m + "down_proj.bias" : null);
        }
        return new BlockNames("model.embed_tokens.weight", null, "model.norm.weight", null,
                cfg.tiedEmbeddings() ? "model.embed_tokens.weight" : "lm_head.weight", blocks);
    }
}
