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
}
