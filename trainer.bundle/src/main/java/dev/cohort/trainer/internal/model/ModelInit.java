package dev.cohort.trainer.internal.model;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Random initialisation as transformers' {@code _init_weights}: weights normal(0, 0.02) (GPT-2's
 * initializer_range and the Llama family's), biases 0, norm weights 1; GPT-2 also scales its two
 * residual projections (attn.c_proj, mlp.c_proj) to 0.02 / sqrt(2 * n_layer). Each parameter
 * draws from its own stream derived from the seed and its name, so a parameter's values do not
 * depend on the others.
 */
public final class ModelInit {

    private ModelInit() {
    }

    public static void initialize(PolicyModel model, long seed) {
        ModelConfig cfg = model.config();
        boolean gpt2 = !cfg.type().llamaBlock();
        double residualStd = 0.02 / Math.sqrt(2.0 * cfg.nLayer());
        for (ParamLayout.Entry e : model.layout().entries()) {
            float[] v = new float[(int) e.size()];
            String n = e.name();
            if (n.endsWith(".bias")) {
                Arrays.fill(v, 0f);
            } else if (isNorm(n)) {
                Arrays.fill(v, 1f);
            } else {
                double std = gpt2 && n.endsWith("c_proj.weight") ? residualStd : 0.02;
                SplittableRandom r = new SplittableRandom(seed ^ (n.hashCode() * 0x9E3779B97F4A7C15L));
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (r.nextGaussian() * std);
                }
            }
            model.backend().write(model.params().view(n), v);
        }
    }

    private static boolean isNorm(String name) {
        return name.startsWith("ln_f.") || name.contains(".ln_") || name.endsWith("layernorm.weight")
                || name.endsWith("norm.weight");
    }
}
