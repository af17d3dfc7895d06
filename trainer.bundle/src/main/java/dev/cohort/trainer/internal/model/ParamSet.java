package dev.cohort.trainer.internal.model;

import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.backend.Tensor;
import java.util.HashMap;
import java.util.Map;

/**
 * One flat backend tensor laid out by a {@link ParamLayout}, with a view per parameter and per
 * fused projection: used for the parameters, their gradients and the optimizer's moments alike.
 * Views of absent parameters (biases a family has not, GPT-2's q/k norms) are null.
 */
public final class ParamSet {

    /**
     * Views of one transformer block: the norms (ln1b/ln2b only with LayerNorm), the q/k/v
     * product's weight and bias, Qwen3's q/k norms, the attention output product, and the MLP's
     * input product (GPT-2's c_fc, or gate_proj and up_proj together) and output product.
     */
    public record Block(Tensor ln1w, Tensor ln1b, Tensor qkvw, Tensor qkvb, Tensor qNorm, Tensor kNorm,
            Tensor attprojw, Tensor attprojb, Tensor ln2w, Tensor ln2b, Tensor fcw, Tensor fcb, Tensor fcprojw,
            Tensor fcprojb) {
    }

    private final ParamLayout layout;
    private final Backend backend;
    private final String name;
    private final Tensor all;
    private final Map<String, Tensor> views = new HashMap<>();
    private final Block[] blocks;
    private final Tensor wte;
    private final Tensor wpe;
    private final Tensor lnfw;
    private final Tensor lnfb;
    private final Tensor lmHead;

    public ParamSet(Backend backend, ModelConfig cfg, ParamLayout layout, String name) {
        this.layout = layout;
        this.backend = backend;
        this.name = name;
        this.all = backend.allocate(name, layout.total());
        for (ParamLayout.Entry e : layout.entries()) {
            views.put(e.name(), backend.view(all, name + ":" + e.name(), e.offset(), e.shape()));
        }
        BlockNames n = layout.names();
        this.wte = view(n.wte());
        this.wpe = n.wpe() == null ? null : view(n.wpe());
        this.lnfw = view(n.lnfw());
        this.lnfb = n.lnfb() == null ? null : view(n.lnfb());
        this.lmHead = view(n.lmHead());
        this.blocks = new Block[cfg.nLayer()];
        for (int l = 0; l < blocks.length; l++) {
            BlockNames.Block b = n.block(l);
            blocks[l] = new Block(view(b.ln1w()), optional(b.ln1b()), span(b.qkvw()), span(b.qkvb()),
                    optional(b.qNorm()), optional(b.kNorm()), view(b.projw()), optional(b.projb()), view(b.ln2w()),
                    optional(b.ln2b()), span(b.fcw()), span(b.fcb()), view(b.fcprojw()), optional(b.fcprojb()));
        }
    }

    private Tensor optional(String param) {
        return param == null ? null : view(param);
    }

    /** One view over parameters stored one after another (a single parameter's own view). */
    private Tensor span(String[] parts) {
        if (parts == null) {
            return null;
        }
        if (parts.length == 1) {
            return view(parts[0]);
        }
        ParamLayout.Span s = layout.span(parts);
        return backend.view(all, name + ":" + s.name(), s.offset(), (int) s.size());
    }

    /** The view of one parameter by its Hugging Face name. */
    public Tensor view(String param) {
        Tensor t = views.get(param);
        if (t == null) {
            layout.get(param);
        }
        return t;
    }

    public Tensor all() {
        return all;
    }

    public Tensor wte() {
        return wte;
    }

    /** Learned position embeddings; null for rotary models. */
    public Tensor wpe() {
        return wpe;
    }

    /** The LM head's (V, C) weight: the token embedding when tied. */
    public Tensor lmHead() {
        return lmHead;
    }

    public Block block(int l) {
        return blocks[l];
    }

    public Tensor lnfw() {
        return lnfw;
    }

    /** Final norm's bias; null with RMSNorm. */
    public Tensor lnfb() {
        return lnfb;
    }

    public ParamLayout layout() {
        return layout;
    }
}
