package dev.cohort.trainer.internal.model;

import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.backend.Tensor;

/**
 * One flat backend tensor laid out by a {@link ParamLayout}, with a view per parameter: used for
 * the parameters, their gradients and the optimizer's moments alike.
 */
public final class ParamSet {

    /** Views of one transformer block. */
    public record Block(Tensor ln1w, Tensor ln1b, Tensor qkvw, Tensor qkvb, Tensor attprojw, Tensor attprojb,
            Tensor ln2w, Tensor ln2b, Tensor fcw, Tensor fcb, Tensor fcprojw, Tensor fcprojb) {
    }

    private final ParamLayout layout;
    private final Tensor all;
    private final Tensor wte;
    private final Tensor wpe;
    private final Block[] blocks;
    private final Tensor lnfw;
    private final Tensor lnfb;
    private final java.util.Map<String, Tensor> views = new java.util.HashMap<>();

    public ParamSet(Backend backend, Gpt2Config cfg, ParamLayout layout, String name) {
        this.layout = layout;
        this.all = backend.allocate(name, layout.total());
        for (ParamLayout.Entry e : layout.entries()) {
            views.put(e.name(), backend.view(all, name + ":" + e.name(), e.offset(), e.shape()));
        }
        this.wte = view("wte.weight");
        this.wpe = view("wpe.weight");
        this.blocks = new Block[cfg.nLayer()];
        for (int l = 0; l < blocks.length; l++) {
            String h = "h." + l + ".";
            blocks[l] = new Block(view(h + "ln_1.weight"), view(h + "ln_1.bias"), view(h + "attn.c_attn.weight"),
                    view(h + "attn.c_attn.bias"), view(h + "attn.c_proj.weight"), view(h + "attn.c_proj.bias"),
                    view(h + "ln_2.weight"), view(h + "ln_2.bias"), view(h + "mlp.c_fc.weight"),
                    view(h + "mlp.c_fc.bias"), view(h + "mlp.c_proj.weight"), view(h + "mlp.c_proj.bias"));
        }
        this.lnfw = view("ln_f.weight");
        this.lnfb = view("ln_f.bias");
    }

    /** The view of one parameter by its Hugging Face name. */
    public Tensor view(String name) {
        Tensor t = views.get(name);
        if (t == null) {
            layout.get(name);
        }
        return t;
    }

    public Tensor all() {
        return all;
    }

    public Tensor wte() {
        return wte;
    }

    public Tensor wpe() {
        return wpe;
    }

    public Block block(int l) {
        return blocks[l];
    }

    public Tensor lnfw() {
        return lnfw;
    }

    public Tensor lnfb() {
        return lnfb;
    }

    public ParamLayout layout() {
        return layout;
    }
}
