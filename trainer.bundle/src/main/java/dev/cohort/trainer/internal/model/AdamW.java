package dev.cohort.trainer.internal.model;

import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.backend.Tensor;

/**
 * AdamW with bias correction and decoupled weight decay applied to matrices only (embeddings and
 * the weights of linear layers; not biases or LayerNorm parameters) unless configured for all,
 * plus global gradient-norm clipping. Moments live in the backend beside the parameters.
 */
public final class AdamW implements AutoCloseable {

    /** Hyper-parameters, with Hugging Face's defaults (adam_beta1 0.9, adam_beta2 0.999, adam_epsilon 1e-8). */
    public record Settings(float beta1, float beta2, float eps, float weightDecay, boolean decayAll, float maxGradNorm) {

        public Settings {
            if (!(beta1 >= 0 && beta1 < 1)) {
                throw new IllegalArgumentException("adam_beta1 must be in [0, 1), got " + beta1);
            }
            if (!(beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("adam_beta2 must be in [0, 1), got " + beta2);
            }
            if (!(eps > 0)) {
                throw new IllegalArgumentException("adam_epsilon must be > 0, got " + eps);
            }
            if (!(weightDecay >= 0)) {
                throw new IllegalArgumentException("weight_decay must be >= 0, got " + weightDecay);
            }
        }

        public static Settings defaults() {
            return new Settings(0.9f, 0.999f, 1e-8f, 0.0f, false, 1.0f);
        }
    }

    private final PolicyModel model;
    private final Settings settings;
    /** Per-parameter views of the moments; null under LoRA, whose adapters are all matrices. */
    private final ParamSet m;
    private final ParamSet v;
    private final Tensor mAll;
    private final Tensor vAll;
    private int step;

    /**
     * Over the model's trainable parameters: every weight, or under LoRA only the adapters (a
     * model's adapters must be attached before), whose moments are then all it allocates.
     */
    public AdamW(PolicyModel model, Settings settings) {
        this.model = model;
        this.settings = settings;
        Backend be = model.backend();
        if (model.adapter() != null) {
            this.m = null;
            this.v = null;
            this.mAll = be.allocate("adam.m", model.trainableParams().size());
            this.vAll = be.allocate("adam.v", model.trainableParams().size());
        } else {
            this.m = new ParamSet(be, model.config(), model.layout(), "adam.m");
            this.v = new ParamSet(be, model.config(), model.layout(), "adam.v");
            this.mAll = m.all();
            this.vAll = v.all();
        }
    }

    /** Gives back the moments to the backend. */
    @Override
    public void close() {
        model.backend().release(mAll);
        model.backend().release(vAll);
    }

    /** The first (exp_avg) or second (exp_avg_sq) moments of all trainable parameters, one flat tensor. */
    public Tensor moments(boolean first) {
        return first ? mAll : vAll;
    }

    /** Optimizer steps taken so far. */
    public int step() {
        return step;
    }

    /** Restores the step count after loading moments from a checkpoint. */
    public void restoreStep(int steps) {
        this.step = steps;
    }

    /**
     * Clips the gradients to the global norm (when maxGradNorm > 0), then updates every
     * parameter. Returns the gradient norm before clipping.
     */
    public double update(double lr) {
        Backend be = model.backend();
        Tensor grads = model.trainableGrads();
        double norm = Math.sqrt(be.sumOfSquares(grads));
        if (!Double.isFinite(norm)) {
            throw new IllegalStateException("gradient norm is " + norm + " at optimizer step " + (step + 1)
                    + "; parameters left unchanged");
        }
        if (settings.maxGradNorm() > 0 && norm > settings.maxGradNorm()) {
            be.scale(grads, (float) (settings.maxGradNorm() / (norm + 1e-6)));
        }
        step++;
        if (m == null) { // LoRA: A and B are matrices, decayed as Hugging Face's Trainer decays every non-bias, non-norm weight
            be.adamw(model.trainableParams(), grads, mAll, vAll, grads.size(), (float) lr, settings.beta1(),
                    settings.beta2(), settings.eps(), settings.weightDecay(), step);
            return norm;
        }
        for (ParamLayout.Entry e : model.layout().entries()) {
            float wd = e.decay() || settings.decayAll() ? settings.weightDecay() : 0f;
            be.adamw(model.params().view(e.name()), model.grads().view(e.name()), m.view(e.name()),
                    v.view(e.name()), e.size(), (float) lr, settings.beta1(), settings.beta2(), settings.eps(), wd,
                    step);
        }
        return norm;
    }
}
