package dev.cohort.trainer.internal.run;

import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.backend.CudaBackend;
import dev.cohort.trainer.internal.config.RunConfig;
import dev.cohort.trainer.internal.model.LoraAdapter;
import dev.cohort.trainer.internal.model.PeftAdapter;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.checkpoint.DType;
import dev.cohort.trainer.internal.model.HfCheckpoint;
import dev.cohort.trainer.internal.tokenizer.Tokenizer;
import dev.cohort.trainer.internal.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A run's LoRA adapters ({@code adapter: lora}): new ones on the configured model, or a
 * checkpoint's (PEFT's adapter directory) on the configured model when resuming; what LoRA runs
 * do not support yet is refused before step 0, naming the key. A remote rollout engine is sent
 * only the adapters at each sync ({@link #writeAdapterSync}).
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
     * Writes what a remote engine loads as {@code version} for a model with adapters: only the
     * adapters, in PEFT's format, in {@code syncRoot/v<version>}, whose base_model_name_or_path
     * is the base written once (config.json, weights in float32, tokenizer) to
     * {@code syncRoot/base}; the bridge's workers load that base once and then only adapters
     * (docs/worker-protocol.md, load_adapter).
     */
    static Path writeAdapterSync(PolicyModel model, Tokenizer tok, Path syncRoot, long version) throws IOException {
        Path base = syncRoot.resolve("base");
        if (!Files.isRegularFile(base.resolve("config.json"))) {
            Path partial = syncRoot.resolve("base.partial");
            HfCheckpoint.save(model, partial, DType.F32); // the frozen base: the adapters are not in params()
            TokenizerFiles.write(partial, tok);
            Files.move(partial, base, StandardCopyOption.ATOMIC_MOVE);
        }
        Path dir = syncRoot.resolve("v" + version);
        PeftAdapter.save(model, dir, base.toAbsolutePath().normalize().toString());
        return dir;
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
    }
}
