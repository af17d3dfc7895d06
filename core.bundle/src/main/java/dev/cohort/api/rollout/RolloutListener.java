package dev.cohort.api.rollout;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A plugin that receives every scored rollout batch of a training run.
 *
 * <p>Register an implementation as an OSGi service (for example a Declarative Services component
 * annotated with {@link RolloutListenerService}). Core calls {@link #onRolloutsScored} on a thread
 * of its own for each listener, one batch at a time and in publication order. A listener that
 * throws is logged and counted; one that runs past its time budget repeatedly is blacklisted.
 * Training never waits for a listener.
 *
 * <p>Service properties (constants below) tune delivery per listener. {@link #NAME} is the stable
 * identity of a plugin across bundle updates: a listener that re-registers with the same name
 * shortly after it went away is replayed the batches it missed.
 */
@ConsumerType
public interface RolloutListener {

    /** Service property (String): stable name of the listener across updates; required. */
    String NAME = "cohort.listener.name";

    /** Service property (Integer): capacity of the listener's delivery queue, in batches. */
    String QUEUE_CAPACITY = "cohort.listener.queue.capacity";

    /**
     * Service property (String): what happens when the listener's queue is full;
     * {@link #OVERFLOW_WAIT} (default) or {@link #OVERFLOW_DROP_OLDEST}.
     */
    String OVERFLOW = "cohort.listener.overflow";

    /** Overflow policy: the publisher waits a bounded time for room, then drops the new batch. */
    String OVERFLOW_WAIT = "wait";

    /** Overflow policy: the oldest queued batch is dropped to make room for the new one. */
    String OVERFLOW_DROP_OLDEST = "drop-oldest";

    /** Service property (Long): time budget of one call, in milliseconds. */
    String TIMEOUT_MS = "cohort.listener.timeout.ms";

    /**
     * Receives one scored batch. Called on a delivery thread owned by core, never concurrently
     * with itself unless a previous call overran its time budget.
     *
     * @param batch the scored rollouts of one step; immutable
     */
    void onRolloutsScored(RolloutBatch batch);
}
