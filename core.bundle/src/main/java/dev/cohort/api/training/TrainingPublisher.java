package dev.cohort.api.training;

import org.osgi.annotation.versioning.ProviderType;

/** What a trainer calls after every optimizer step. Implemented by core. */
@ProviderType
public interface TrainingPublisher {

    /**
     * Hands the step's metrics to every {@link TrainingListener} without waiting for their work.
     *
     * @return the sequence number core gave the metrics
     */
    long publish(TrainingMetrics metrics);

    /**
     * Tells core that a run has ended (finished, stopped or failed). Its steps are then no longer
     * replayed to listeners that register afterwards; a listener that was away when it ended is
     * told which steps it missed. Metrics whose step reaches their {@code maxSteps} end their
     * run without this call. Idempotent.
     *
     * @param runId the run's id, as in {@link TrainingMetrics#runId()}
     * @since 1.1
     */
    default void endRun(String runId) {
    }
}
