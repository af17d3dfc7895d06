package dev.cohort.trainer.internal.model;

import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.backend.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * What LoRA's forward keeps for its backward, h = scale * x A^T (rows, r) per module, and the
 * scratch buffers: h of a forward that keeps nothing (sampling, reference log-probs), dh, and the
 * dropped input and its gradient. Each grows to the largest number of rows asked for.
 */
final class LoraActivations implements AutoCloseable {

    private final Backend be;
    private final int r;
    private final int[][][] byProduct;
    private final Tensor[] hidden;
    private final int[] hiddenRows;
    private Tensor scratch;
    private Tensor dropped;
    private Tensor dropGrad;

    LoraActivations(Backend be, List<LoraModules.Module> modules, int r) {
        this.be = be;
        this.r = r;
        int layers = modules.stream().mapToInt(LoraModules.Module::layer).max().orElse(-1) + 1;
        List<List<List<Integer>>> index = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            List<List<Integer>> perProduct = new ArrayList<>();
            for (int p = 0; p < LoraModules.Product.values().length; p++) {
                perProduct.add(new ArrayList<>());
            }
            index.add(perProduct);
        }
        for (int i = 0; i < modules.size(); i++) {
            index.get(modules.get(i).layer()).get(modules.get(i).product().ordinal()).add(i);
        }
        byProduct = new int[layers][][];
        for (int l = 0; l < layers; l++) {
            byProduct[l] = index.get(l).stream().map(x -> x.stream().mapToInt(Integer::intValue).toArray())
                    .toArray(int[][]::new);
        }
        hidden = new Tensor[modules.size()];
        hiddenRows = new int[modules.size()];
    }

    private static final int[] NONE = {};

    /** The modules of product p of block l. */
    int[] modulesOf(int l, LoraModules.Product p) {
        return l < byProduct.length ? byProduct[l][p.ordinal()] : NONE;
    }

    Tensor hidden(int module, int rows) {
        if (hiddenRows[module] < rows) {
            release(hidden[module]);
            hidden[module] = be.allocate("lora.h." + module, (long) rows * r);
            hiddenRows[module] = rows;
        }
        return be.view(hidden[module], "lora.h", 0, rows, r);
    }

    Tensor scratchHidden(int rows) {
        scratch = grow(scratch, "lora.h.scratch", (long) rows * r);
        return be.view(scratch, "lora.h.scratch", 0, rows, r);
    }

    Tensor dropped(int rows, int in) {
        dropped = grow(dropped, "lora.dropped", (long) rows * in);
        return be.view(dropped, "lora.dropped", 0, rows, in);
    }

    /** A zeroed (rows, in) gradient of the dropped input. */
    Tensor dropGrad(int rows, int in) {
        dropGrad = grow(dropGrad, "lora.dropped.grad", (long) rows * in);
        Tensor t = be.view(dropGrad, "lora.dropped.grad", 0, rows, in);
        be.zero(t);
        return t;
    }

    private Tensor grow(Tensor t, String name, long size) {
        if (t != null && t.size() >= size) {
            return t;
        }
        release(t);
        return be.allocate(name, size);
    }

    private void release(Tensor t) {
        if (t != null) {
            be.release(t);
        }
    }

    @Override
    public void close() {
        for (Tensor t : hidden) {
            release(t);
        }
        release(scratch);
        release(dropped);
        release(dropGrad);
    }
}
