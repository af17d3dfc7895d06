package dev.cohort.trainer.internal.backend;

/**
 * The ops of one decoding step, recorded once by {@link Backend#recordStep} and replayed for
 * later steps with new inputs (a CUDA graph on the CUDA backend): one call instead of one per
 * kernel. Only the step's host inputs change between replays; every tensor it touches must stay
 * where it was when the step was recorded.
 */
public interface StepGraph extends AutoCloseable {

    /**
     * Runs the recorded ops for {@code n} rows (the number they were recorded for) with these
     * token ids, positions and cache slots. Returns false, running nothing, when the recording
     * is stale (the backend moved scratch memory it uses); record the step again then.
     */
    boolean replay(int[] tokens, int[] positions, int[] slots, int n);

    /** Frees the recording. */
    @Override
    void close();
}
