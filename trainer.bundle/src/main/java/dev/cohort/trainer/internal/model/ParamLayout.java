package dev.cohort.trainer.internal.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where each parameter lives in one flat buffer, with Hugging Face's names and shapes. GPT-2
 * keeps its names without the "transformer." prefix and its Conv1D (in, out) weights; the Llama
 * family keeps nn.Linear's (out, in) weights and "model."-prefixed names. Projections that run
 * as one product are stored next to each other (q_proj, k_proj, v_proj; gate_proj, up_proj), so
 * that one view spans them ({@link #span}).
 */
public final class ParamLayout {

    /** One parameter: name, shape, offset in the flat buffer, and whether weight decay applies. */
    public record Entry(String name, int[] shape, long offset, long size, boolean decay) {
    }

    /** Contiguous parameters seen as one: offset and element count. */
    public record Span(String name, long offset, long size) {
    }

    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, Entry> byName = new LinkedHashMap<>();
    private final BlockNames names;
    private long total;

    public ParamLayout(ModelConfig cfg) {
        this.names = BlockNames.of(cfg);
        int c = cfg.nEmbd();
        add(names.wte(), true, cfg.vocabSize(), c);
        if (names.wpe() != null) {
            add(names.wpe(), true, cfg.nPositions(), c);
        }
        for (int l = 0; l < cfg.nLayer(); l++) {
            if (cfg.type().llamaBlock()) {
                llamaBlock(cfg, l);
            } else {
                gpt2Block(c, l);
            }
        }
        add(names.lnfw(), false, c);
        if (names.lnfb() != null) {
            add(names.lnfb(), false, c);
        }
        if (!cfg.tiedEmbeddings()) {
            add(names.lmHead(), true, cfg.vocabSize(), c);
        }
    }

    private void gpt2Block(int c, int l) {
        BlockNames.Block b = names.block(l);
        add(b.ln1w(), false, c);
        add(b.ln1b(), false, c);
        add(b.qkvw()[0], true, c, 3 * c);
        add(b.qkvb()[0], false, 3 * c);
        add(b.projw(), true, c, c);
        add(b.projb(), false, c);
        add(b.ln2w(), false, c);
        add(b.ln2b(), false, c);
        add(b.fcw()[0], true, c, 4 * c);
        add(b.fcb()[0], false, 4 * c);
        add(b.fcprojw(), true, 4 * c, c);
        add(b.fcprojb(), false, c);
    }

    private void llamaBlock(ModelConfig cfg, int l) {
        BlockNames.Block b = names.block(l);
        int c = cfg.nEmbd();
        int[] qkvRows = {cfg.nHead() * cfg.headDim(), cfg.nKvHead() * cfg.headDim(), cfg.nKvHead() * cfg.headDim()};
        add(b.ln1w(), false, c);
        for (int i = 0; i < 3; i++) {
            add(b.qkvw()[i], true, qkvRows[i], c);
        }
        if (cfg.qkvBias()) {
            for (int i = 0; i < 3; i++) {
                add(b.qkvb()[i], false, qkvRows[i]);
            }
        }
        if (cfg.qkNorm()) {
            add(b.qNorm(), false, cfg.headDim());
            add(b.kNorm(), false, cfg.headDim());
        }
        add(b.projw(), true, c, qkvRows[0]);
        if (cfg.outBias()) {
            add(b.projb(), false, c);
        }
        add(b.ln2w(), false, c);
        for (int i = 0; i < 2; i++) {
            add(b.fcw()[i], true, cfg.intermediate(), c);
        }
        if (cfg.mlpBias()) {
            for (int i = 0; i < 2; i++) {
                add(b.fcb()[i], false, cfg.intermediate());
            }
        }
        add(b.fcprojw(), true, c, cfg.intermediate());
        if (cfg.mlpBias()) {
            add(b.fcprojb(), false, c);
        }
    }

    private void add(String name, boolean matrix, int... shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        Entry e = new Entry(name, shape, total, n, matrix);
        entries.add(e);
        byName.put(name, e);
        total += n;
    }

    public List<Entry> entries() {
        return Collections.unmodifiableList(entries);
    }

    public Entry get(String name) {
        Entry e = byName.get(name);
        if (e == null) {
            throw new IllegalArgumentException("the model has no parameter '" + name + "'");
        }
        return e;
    }

    public boolean has(String name) {
        return byName.containsKey(name);
    }

    /** The parameters {@code parts}, stored one after another, as one span; null when the first is absent. */
    public Span span(String... parts) {
        if (!has(parts[0])) {
            return null;
        }
        Entry first = get(parts[0]);
        long size = 0;
        for (String p : parts) {
            Entry e = get(p);
            if (e.offset() != first.offset() + size) {
                throw new IllegalStateException("parameter '" + p + "' does not follow '" + parts[0] + "'");
            }
            size += e.size();
        }
        return new Span(parts.length == 1 ? parts[0] : String.join("+", parts), first.offset(), size);
    }

    /** Hugging Face's names of this model's parameters. */
    public BlockNames names() {
        return names;
    }

    /** Number of parameters. */
    public long total() {
        return total;
    }
}
