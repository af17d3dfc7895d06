package dev.cohort.trainer.internal.run;

import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.backend.CudaBackend;
import dev.cohort.trainer.internal.config.RunConfig;
import dev.cohort.trainer.internal.model.LoraAdapter;
import dev.cohort.trainer.internal.model.PeftAdapter;
import dev.cohort.trainer.internal.model.PolicyModel;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A run's LoRA adapters ({@code adapter: lora}): new ones on the configured model, or a
 * checkpoint's (PEFT's adapter directory) on the configured model when resuming; what LoRA runs
 * do not support yet is refused before step 0, naming the key.
 */
final class LoraRuns {

    private LoraRuns() {
    }

    /** Attaches new adapters (A drawn from the run's seed, B zero) when the configuration asks for them. */
    static void attach(RunConfig c, PolicyModel model, Backend backend) {
        if (c.loraAdapter() == null) {
            return;
        }
        check(c, backend);
        model.attach(new LoraAdapter(backend, model.config(), c.loraAdapter(), c.seed()));
    }

    static boolean isAdapterCheckpoint(Path checkpoint) {
        return PeftAdapter.isAdapter(checkpoint);
    }

    /** The configured base model with the checkpoint's adapters, for --resume of a LoRA run. */
    static PolicyModel resume(RunConfig c, Path checkpoint, Backend backend) throws IOException {
        if (c.loraAdapter() == null) {
            throw new IllegalArgumentException(checkpoint + " holds LoRA adapters (" + PeftAdapter.CONFIG
                    + "), but " + c.source() + " has no adapter: lora");
        }
        check(c, backend);
        PolicyModel model = RunSetup.load(c, backend).model();
        try {
            PeftAdapter.load(checkpoint, model);
            return model;
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Why {@code adapter: lora} does not run on the CUDA backend without -Dcohort.cuda.llama=true
     * (the flag of the Llama family's kernels, {@link CudaBackend#runsLlamaFamily()}); null with it.
     */
    static String cudaCannotRun() {
        return CudaBackend.runsLlamaFamily() ? null
                : "the CUDA backend's LoRA kernels (lora.cuh: the adapters' products and dropout) are checked on the"
                        + " CPU against the Java backend but have not yet run on a GPU (CudaLoraParityTest); adapter:"
                        + " lora runs on the Java backend unless -D" + CudaBackend.LLAMA_PROPERTY + "=true is given";
    }

    private static void check(RunConfig c, Backend backend) {
        String cuda = backend instanceof CudaBackend ? cudaCannotRun() : null;
        if (cuda != null) {
            throw new IllegalArgumentException(c.source() + ": adapter: lora on backend " + backend.name() + ": " + cuda
                    + "; set backend: java");
        }
        if (!c.rolloutEngine().equals("embedded")) {
            throw new IllegalArgumentException(c.source() + ": adapter: lora with rollout_engine " + c.rolloutEngine()
                    + ": syncing adapters to the engine's workers is not implemented yet; use rollout_engine: embedded");
        }
    }
}
