package dev.cohort.trainer.internal.run;

import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.backend.CudaBackend;
import dev.cohort.trainer.internal.backend.CudaLibrary;
import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.config.BackendChoice;
import dev.cohort.trainer.internal.config.CudaMatmul;
import java.nio.file.Path;

/**
 * Picks a run's compute backend from its {@code backend} and {@code cuda_matmul} keys:
 * {@code auto} takes CUDA when {@link CudaLibrary#probe()} finds a device and the backend opens,
 * else Java, saying why; {@code cuda} takes CUDA or refuses the run with the probe's reason;
 * {@code java} takes Java.
 */
final class BackendSelection {

    /** The chosen backend and one line for the log and the status: what runs the run, and why. */
    record Selected(Backend backend, String description) {
    }

    /** What the selection needs from CUDA; a seam for tests. */
    interface Cuda {
        CudaLibrary.Probe probe();

        /** Opens a backend; throws with the reason when it cannot. */
        Opened open(CudaBackend.Options options);
    }

    /** An opened CUDA backend and what computes its matrix products. */
    record Opened(Backend backend, String gemmInfo) {
    }

    /** The real thing: the CUDA fragment's library through {@link CudaLibrary} and {@link CudaBackend}. */
    static final Cuda SYSTEM = new Cuda() {
        @Override
        public CudaLibrary.Probe probe() {
            return CudaLibrary.probe();
        }

        @Override
        public Opened open(CudaBackend.Options options) {
            CudaBackend b = CudaBackend.open(options);
            return new Opened(b, b.gemmInfo());
        }
    };

    private BackendSelection() {
    }

    static CudaBackend.Precision precision(CudaMatmul m) {
        return switch (m) {
            case FP32 -> CudaBackend.Precision.FP32;
            case TF32 -> CudaBackend.Precision.TF32;
            case BF16 -> CudaBackend.Precision.BF16;
        };
    }

    /**
     * The backend of a run configured by {@code source}; throws {@link IllegalArgumentException}
     * naming the file, the key and the reason when {@code backend: cuda} cannot be honoured.
     */
    static Selected select(BackendChoice choice, CudaMatmul matmul, Path source, Cuda cuda) {
        return select(choice, matmul, source, cuda, null);
    }

    /**
     * As {@link #select(BackendChoice, CudaMatmul, Path, Cuda)}, for a model the CUDA backend
     * cannot run when {@code cudaCannotRun} is not null (the reason): {@code auto} takes Java,
     * {@code cuda} is refused.
     */
    static Selected select(BackendChoice choice, CudaMatmul matmul, Path source, Cuda cuda, String cudaCannotRun) {
        if (choice == BackendChoice.JAVA) {
            return java(null);
        }
        if (cudaCannotRun != null) {
            if (choice == BackendChoice.CUDA) {
                throw new IllegalArgumentException((source == null ? "the configuration" : source.toString())
                        + ": backend: cuda cannot be used: " + cudaCannotRun);
            }
            return java(cudaCannotRun);
        }
        CudaLibrary.Probe probe = cuda.probe();
        String reason = probe.reason();
        if (probe.available()) {
            try {
                Opened o = cuda.open(CudaBackend.Options.defaults().with(precision(matmul)));
                return new Selected(o.backend(), "cuda on " + probe.device() + ", matrix products: " + o.gemmInfo());
            } catch (RuntimeException | UnsatisfiedLinkError e) {
                reason = "the CUDA backend did not open on " + probe.device() + ": "
                        + (e.getMessage() != null ? e.getMessage() : e.toString());
            }
        }
        if (choice == BackendChoice.CUDA) {
            throw new IllegalArgumentException((source == null ? "the configuration" : source.toString())
                    + ": backend: cuda cannot be used: " + reason
                    + " (backend: auto falls back to the Java backend; `cohort:backend` shows what was found)");
        }
        return java(reason);
    }

    /** What {@code backend: auto} would pick now, without opening a backend: a line for {@code cohort:backend}. */
    static String autoWouldPick(CudaLibrary.Probe probe) {
        return probe.available() ? "cuda on " + probe.device()
                : "java, " + threads() + " threads, " + JavaBackend.matmulKernel() + " (CUDA not used: "
                        + probe.reason() + ")";
    }

    private static Selected java(String cudaNotUsed) {
        int threads = threads();
        String why = cudaNotUsed == null ? "" : " (CUDA not used: " + cudaNotUsed + ")";
        String kernel = JavaBackend.matmulKernel();
        return new Selected(new JavaBackend(threads), "java, " + threads + " threads, " + kernel + why);
    }

    private static int threads() {
        return Runtime.getRuntime().availableProcessors();
    }
}
