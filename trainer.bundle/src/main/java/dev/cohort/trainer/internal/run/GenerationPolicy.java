package dev.cohort.trainer.internal.run;

import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.backend.CudaBackend;
import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.model.LoraAdapter;
import dev.cohort.trainer.internal.model.PolicyModel;
import java.util.ArrayList;
import java.util.List;

/**
 * The producer's copy of the policy in the asynchronous mode: a model of the trainer's shape on
 * a backend of its own, holding the weights of one version at a time. It computes the trainer's
 * log-probs of a batch under the weights that generated it, and with the embedded engine it is
 * what samples. Its backend is a sibling of the trainer's: a Java backend with its own compute
 * threads (half the processors, at least one), or a second CUDA context on the same device.
 *
 * <p>Under LoRA the copy has adapters of the trainer's configuration: the frozen base is staged
 * and loaded once, and a new version moves only the adapters (a few MB instead of the model).
 */
final class GenerationPolicy implements AutoCloseable {

    private final Backend backend;
    private final PolicyModel model;
    /** The staged base weights until loaded (then null under LoRA, where the base never changes). */
    private float[] base;
    /** The staged adapters under LoRA, else null. */
    private final float[] adapters;
    private long version = -1;

    private GenerationPolicy(Backend backend, PolicyModel model) {
        this.backend = backend;
        this.model = model;
        this.base = new float[(int) model.layout().total()];
        this.adapters = model.adapter() == null ? null : new float[(int) model.adapter().params().size()];
    }

    /** A copy of {@code trainer}'s shape (and adapters' configuration), with no weights loaded yet. */
    static GenerationPolicy of(PolicyModel trainer) {
        Backend b = sibling(trainer.backend());
        PolicyModel m = null;
        try {
            m = new PolicyModel(b, trainer.config());
            LoraAdapter lora = trainer.adapter();
            if (lora != null) {
                // A's initial draw is overwritten by the first staged version
                m.attach(new LoraAdapter(b, trainer.config(), lora.config(), 0));
            }
            return new GenerationPolicy(b, m);
        } catch (RuntimeException | Error e) {
            if (m != null) {
                m.close();
            }
            b.close();
            throw e;
        }
    }

    private static Backend sibling(Backend b) {
        if (b instanceof CudaBackend cuda) {
            return CudaBackend.open(cuda.options());
        }
        int threads = b instanceof JavaBackend java ? java.threads() : Runtime.getRuntime().availableProcessors();
        return new JavaBackend(Math.max(1, threads / 2));
    }

    PolicyModel model() {
        return model;
    }

    long version() {
        return version;
    }

    /**
     * Trainer thread: copies what version {@code v} changed from {@code trainer} (all weights, or
     * under LoRA the adapters, and the base the first time) into this copy's staging buffers.
     * The caller serialises it with {@link #loadStaged}.
     */
    void stage(PolicyModel trainer) {
        if (base != null) {
            trainer.backend().read(trainer.params().all(), base);
        }
        if (adapters != null) {
            trainer.backend().read(trainer.adapter().params(), adapters);
        }
    }

    /** Producer thread: loads what was staged last as {@code newVersion}. */
    void loadStaged(long newVersion) {
        if (base != null) {
            model.backend().write(model.params().all(), base);
            if (adapters != null) {
                base = null; // frozen under LoRA: loaded once
            }
        }
        if (adapters != null) {
            model.backend().write(model.adapter().params(), adapters);
        }
        version = newVersion;
    }

    /** The trainer's log-prob of every completion token of {@code r} under these weights. */
    List<double[]> logprobs(Rollouts r, float temperature, int microBatch) {
        List<double[]> out = new ArrayList<>(r.size());
        for (int from = 0; from < r.size(); from += microBatch) {
            TokenLayout l = new TokenLayout(r, from, Math.min(r.size(), from + microBatch));
            float[] lp = new float[l.b * l.t];
            model.forward(l.tokens, l.b, l.t);
            model.logprobs(l.targets, temperature, lp, null);
            out.addAll(l.split(l.gather(lp)));
        }
        return out;
    }

    @Override
    public void close() {
        model.close();
        backend.close();
    }
}
