package dev.cohort.trainer.internal.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.backend.CudaBackend;
import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.model.HfCheckpoint;
import dev.cohort.trainer.internal.model.LoraAdapter;
import dev.cohort.trainer.internal.model.PeftAdapter;
import dev.cohort.trainer.internal.model.PolicyModel;
import java.io.IOException;
import java.nio.file.Path;
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
 *
 * <p>With a remote engine there are two: a host copy ({@link #host}, never computes) from which
 * the producer writes each version for the workers, and the scorer's, which loads each batch's
 * version from the files the workers loaded ({@link #loadCheckpoint}).
 */
final class GenerationPolicy implements AutoCloseable {

    private final Backend backend;
    private final PolicyModel model;
    /** The staged weights (allocated by the first stage; under LoRA dropped once the base is loaded). */
    private float[] base;
    /** The staged adapters under LoRA (allocated by the first stage), else null. */
    private float[] adapters;
    /** Whether the weights were loaded once: under LoRA the frozen base is not loaded again. */
    private boolean baseLoaded;
    private long version = -1;

    private GenerationPolicy(Backend backend, PolicyModel model) {
        this.backend = backend;
        this.model = model;
    }

    /** A copy of {@code trainer}'s shape (and adapters' configuration), with no weights loaded yet. */
    static GenerationPolicy of(PolicyModel trainer) {
        return copy(sibling(trainer.backend()), trainer);
    }

    private static GenerationPolicy copy(Backend b, PolicyModel trainer) {
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

    /**
     * A copy on a one-thread Java backend that only holds weights (host memory, whatever the
     * trainer's backend): the producer writes the workers' weight-sync files from it.
     */
    static GenerationPolicy host(PolicyModel trainer) {
        return copy(new JavaBackend(1), trainer);
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
        boolean lora = model.adapter() != null;
        if (!lora || !baseLoaded) {
            base = base != null ? base : new float[(int) model.layout().total()];
            trainer.backend().read(trainer.params().all(), base);
        }
        if (lora) {
            adapters = adapters != null ? adapters : new float[(int) model.adapter().params().size()];
            trainer.backend().read(trainer.adapter().params(), adapters);
        }
    }

    /** Producer thread: loads what was staged last as {@code newVersion}. */
    void loadStaged(long newVersion) {
        if (base != null) {
            model.backend().write(model.params().all(), base);
            baseLoaded = true;
            if (adapters != null) {
                base = null; // frozen under LoRA: loaded once
            }
        }
        if (adapters != null) {
            model.backend().write(model.adapter().params(), adapters);
        }
        version = newVersion;
    }

    /**
     * Loads version {@code newVersion} from a weight-sync directory: a checkpoint, or under LoRA a
     * PEFT adapter directory over the base its adapter_config.json names (loaded only once).
     */
    void loadCheckpoint(Path dir, long newVersion) throws IOException {
        if (model.adapter() == null) {
            copyWeights(dir);
        } else {
            if (!baseLoaded) {
                String baseDir = new ObjectMapper().readTree(dir.resolve(PeftAdapter.CONFIG).toFile())
                        .path("base_model_name_or_path").asText();
                copyWeights(Path.of(baseDir));
                baseLoaded = true;
            }
            PeftAdapter.loadValues(dir, model.adapter(), model);
        }
        version = newVersion;
    }

    private void copyWeights(Path dir) throws IOException {
        try (JavaBackend host = new JavaBackend(1); PolicyModel loaded = HfCheckpoint.load(dir, host)) {
            if (loaded.layout().total() != model.layout().total()) {
                throw new IOException(dir + " holds a model of " + loaded.layout().total() + " parameters, the policy "
                        + model.layout().total());
            }
            float[] values = new float[(int) model.layout().total()];
            host.read(loaded.params().all(), values);
            model.backend().write(model.params().all(), values);
        }
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
