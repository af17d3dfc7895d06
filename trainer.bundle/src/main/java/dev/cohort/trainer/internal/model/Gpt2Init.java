package dev.cohort.trainer.internal.model;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * GPT-2's initialisation: weights normal(0, 0.02), the two residual projections of each block
 * (attn.c_proj, mlp.c_proj) normal(0, 0.02 / sqrt(2 * n_layer)), biases 0, LayerNorm weights 1.
 * Each parameter draws from its own stream derived from the seed and its name, so a parameter's
 * values do not depend on the others.
 */
public final class Gpt2Init {

    private Gpt2Init() {
    }

    public static void initialize(Gpt2Model model, long seed) {
        Gpt2Config cfg = model.config();
        double residualStd = 0.02 / Math.sqrt(2.0 * cfg.nLayer());
        for (ParamLayout.Entry e : model.layout().entries()) {
            float[] v = new float[(int) e.size()];
            String n = e.name();
            if (n.endsWith(".bias")) {
                Arrays.fill(v, 0f);
            } else if (n.startsWith("ln_f.") || n.contains(".ln_")) {
                Arrays.fill(v, 1f);
            } else {
                double std = n.endsWith("c_proj.weight") ? residualStd : 0.02;
                SplittableRandom r = new SplittableRandom(seed ^ (n.hashCode() * 0x9E3779B97F4A7C15L));
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (r.nextGaussian() * std);
                }
            }
            model.backend().write(model.params().view(n), v);
        }
    }
}
