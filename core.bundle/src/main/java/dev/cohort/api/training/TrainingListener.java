package dev.cohort.api.training;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A plugin that receives the metrics of every training step. Register it as an OSGi service
 * (for example a Declarative Services component annotated with {@link TrainingListenerService})
 * with the {@link #LISTENER_NAME} property; delivery follows the same rules as for rollout
 * listeners (own thread, in order, bounded queue, failures isolated, replay after an update,
 * every loss counted and reported).
 *
 * <p>The service properties below are a training listener's own: they do not share names with
 * rollout listeners' {@code cohort.listener.*}, so that one component can be both kinds with
 * different settings.
 */
@ConsumerType
public interface TrainingListener {

    /**
     * Service property (String): stable name of the listener across updates; required.
     *
     * @since 1.1
     */
    String LISTENER_NAME = "cohort.training.listener.name";

    /**
     * Service property (Integer): capacity of the listener's delivery queue, in steps.
     *
     * @since 1.1
     */
    String QUEUE_CAPACITY = "cohort.training.listener.queue.capacity";

    /**
     * Service property (String): what happens when the listener's queue is full; {@code wait}
     * (default) or {@code drop-oldest}, as for rollout listeners.
     *
     * @since 1.1
     */
    String OVERFLOW = "cohort.training.listener.overflow";

    /**
     * Service property (Long): time budget of one call, in milliseconds.
     *
     * @since 1.1
     */
    String TIMEOUT_MS = "cohort.training.listener.timeout.ms";

    /**
     * The name property that training listeners shared with rollout listeners before 1.1 (and
     * the {@code cohort.listener.*} delivery properties with it). Still accepted when
     * {@link #LISTENER_NAME} is absent, with a warning.
     *
     * @deprecated use {@link #LISTENER_NAME} (or {@link TrainingListenerService})
     */
    @Deprecated
    String NAME = "cohort.listener.name";

    /** Receives the metrics of one completed optimizer step. */
    void onStep(TrainingMetrics metrics);
}
