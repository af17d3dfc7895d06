package dev.cohort.trainer.internal.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where each GPT-2 parameter lives in one flat buffer, with Hugging Face's names (without the
 * "transformer." prefix) and shapes. Conv1D weights keep Hugging Face's (in, out) layout, so a
 * checkpoint loads without transposing; the token embedding (V, C) doubles as the LM head.
 */
public final class ParamLayout {

    /** One parameter: name, shape, offset in the flat buffer, and whether weight decay applies. */
    public record Entry(String name, int[] shape, long offset, long size, boolean decay) {
    }

    private final List<Entry> entries;
    private final Map<String, Entry> byName;
    private final long total;

    public ParamLayout(Gpt2Config cfg) {
        int c = cfg.nEmbd();
        List<Entry> list = new ArrayList<>();
        long[] offset = {0};
        add(list, offset, "wte.weight", true, cfg.vocabSize(), c);
        add(list, offset, "wpe.weight", true, cfg.nPositions(), c);
        for (int l = 0; l < cfg.nLayer(); l++) {
            String h = "h." + l + ".";
            add(list, offset, h + "ln_1.weight", false, c);
            add(list, offset, h + "ln_1.bias", false, c);
            add(list, offset, h + "attn.c_attn.weight", true, c, 3 * c);
            add(list, offset, h + "attn.c_attn.bias", false, 3 * c);
            add(list, offset, h + "attn.c_proj.weight", true, c, c);
            add(list, offset, h + "attn.c_proj.bias", false, c);
            add(list, offset, h + "ln_2.weight", false, c);
            add(list, offset, h + "ln_2.bias", false, c);
            add(list, offset, h + "mlp.c_fc.weight", true, c, 4 * c);
            add(list, offset, h + "mlp.c_fc.bias", false, 4 * c);
            add(list, offset, h + "mlp.c_proj.weight", true, 4 * c, c);
            add(list, offset, h + "mlp.c_proj.bias", false, c);
        }
        add(list, offset, "ln_f.weight", false, c);
        add(list, offset, "ln_f.bias", false, c);
        this.entries = Collections.unmodifiableList(list);
        Map<String, Entry> m = new LinkedHashMap<>();
        list.forEach(e -> m.put(e.name(), e));
        this.byName = Collections.unmodifiableMap(m);
        this.total = offset[0];
    }

    private static void add(List<Entry> list, long[] offset, String name, boolean matrix, int... shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        list.add(new Entry(name, shape, offset[0], n, matrix));
        offset[0] += n;
    }

    public List<Entry> entries() {
        return entries;
    }

    public Entry get(String name) {
        Entry e = byName.get(name);
        if (e == null) {
            throw new IllegalArgumentException("GPT-2 has no parameter '" + name + "'");
        }
        return e;
    }

    public boolean has(String name) {
        return byName.containsKey(name);
    }

    /** Number of parameters. */
    public long total() {
        return total;
    }
}
