package dev.cohort.trainer.internal.run;

import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.backend.CudaBackend;
import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.model.PolicyModel;
import java.util.ArrayList;
import java.util.List;

/**
 * The producer's copy of the policy in the asynchronous mode: a model of the trainer's shape on
 * a backend of its own, holding the weights of one version at a time. It computes the trainer's
 * log-probs of a batch under the weights that generated it, and with the embedded engine it is
 * what samples. Its backend is a sibling of the trainer's: a Java backend with its own compute
 * threads (half the processors, at least one), or a second CUDA context on the same device.
 */
final class GenerationPolicy implements AutoCloseable {

    private final Backend backend;
    private final PolicyModel model;
    private final float[] values;
    private long version = -1;

    private GenerationPolicy(Backend backend, PolicyModel model) {
        this.backend = backend;
        this.model = model;
        this.values = new float[(int) model.layout().total()];
    }

    /** A copy of {@code trainer}'s shape, with no weights loaded yet. */
    static GenerationPolicy of(PolicyModel trainer) {
        Backend b = sibling(trainer.backend());
        try {
            return new GenerationPolicy(b, new PolicyModel(b, trainer.config()));
        } catch (RuntimeException | Error e) {
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

    /** Loads {@code weights} (the flat parameters of the trainer's model) as {@code newVersion}. */
    void load(float[] weights, long newVersion) {
        model.backend().write(model.params().all(), weights);
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

    /** A scratch array of the parameters' size, for the hand-off from the trainer. */
    float[] buffer() {
        return values;
    }

    @Override
    public void close() {
        model.close();
        backend.close();
    }
}
