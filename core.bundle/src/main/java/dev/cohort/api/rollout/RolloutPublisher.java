package dev.cohort.api.rollout;

import org.osgi.annotation.versioning.ProviderType;

/**
 * What a trainer calls once per GRPO scoring step, on every training path. Implemented by core.
 *
 * <p>{@link #publish} hands the batch to every registered {@link RolloutListener} and returns
 * without waiting for any listener's work. When a listener's queue is full, its overflow policy
 * applies; the time {@code publish} may wait for room is bounded by core's configuration.
 */
@ProviderType
public interface RolloutPublisher {

    /**
     * Publishes one scored batch to every listener.
     *
     * @param batch the batch; never null
     * @return the sequence number core gave the batch (increasing, starting at 1)
     */
    long publish(RolloutBatch batch);

    /**
     * Tells core that a run has ended (finished, stopped or failed). Its batches are then no
     * longer replayed to listeners that register afterwards: a listener never receives batches
     * of a run that ended before it registered; one that was away when the run ended is told
     * which steps it missed. Idempotent.
     *
     * @param runId the run's id, as in {@link RolloutBatch#runId()}
     * @since 1.1
     */
    default void endRun(String runId) {
    }
}
