package dev.cohort.api.training;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A plugin that receives the metrics of every training step. Register it as an OSGi service
 * with the {@link #NAME} property; delivery follows the same rules as for rollout listeners
 * (own thread, in order, bounded queue, failures isolated, replay after an update).
 */
@ConsumerType
public interface TrainingListener {

    /** Service property (String): stable name of the listener across updates. */
    String NAME = "cohort.listener.name";

    /** Receives the metrics of one completed optimizer step. */
    void onStep(TrainingMetrics metrics);
}
