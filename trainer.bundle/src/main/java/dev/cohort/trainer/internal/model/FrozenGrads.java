package dev.cohort.trainer.internal.model;

import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.backend.Tensor;

/**
 * The gradient views of a frozen model (LoRA trains adapters only): no gradient for any matrix or
 * bias (the products' backward then computes only the input's gradient) and small sinks for the
 * norms' weights, whose backward ops compute a weight gradient with the input's. The sinks'
 * contents are never read; the whole costs a few rows of the model's width instead of a copy of
 * its parameters.
 */
final class FrozenGrads implements AutoCloseable {

    private final Backend be;
    private final Tensor sinks;
    private final ParamSet.Block block;
    private final Tensor normWeight;
    private final Tensor normBias;

    FrozenGrads(Backend be, ModelConfig cfg) {
        this.be = be;
        int c = cfg.nEmbd();
        int hd = cfg.headDim();
        this.sinks = be.allocate("frozen.grads", 2L * c + 2L * hd);
        this.normWeight = be.view(sinks, "frozen.norm.weight", 0, c);
        this.normBias = be.view(sinks, "frozen.norm.bias", c, c);
        Tensor qNorm = be.view(sinks, "frozen.q_norm", 2L * c, hd);
        Tensor kNorm = be.view(sinks, "frozen.k_norm", 2L * c + hd, hd);
        this.block = new ParamSet.Block(normWeight, normBias, null, null, qNorm, kNorm, null, null, normWeight,
                normBias, null, null, null, null);
    }

    /** Every block's gradient views: matrices and biases null, norms into the sinks. */
    ParamSet.Block block() {
        return block;
    }

    Tensor normWeight() {
        return normWeight;
    }

    Tensor normBias() {
        return normBias;
    }

    @Override
    public void close() {
        be.release(sinks);
    }
}
