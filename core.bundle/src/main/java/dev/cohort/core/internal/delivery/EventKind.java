package dev.cohort.core.internal.delivery;

import dev.cohort.api.rollout.RolloutBatch;
import dev.cohort.api.training.TrainingMetrics;

/** What a delivery carries: how to name its listeners in messages and read an event's step and run. */
interface EventKind<E> {

    /** "Rollout listener", "Training listener": the start of every message about one. */
    String listenerNoun();

    long step(E event);

    String runId(E event);

    EventKind<RolloutBatch> ROLLOUTS = new EventKind<>() {
        @Override
        public String listenerNoun() {
            return "Rollout listener";
        }

        @Override
        public long step(RolloutBatch event) {
            return event.step();
        }

        @Override
        public String runId(RolloutBatch event) {
            return event.runId();
        }
    };

    EventKind<TrainingMetrics> METRICS = new EventKind<>() {
        @Override
        public String listenerNoun() {
            return "Training listener";
        }

        @Override
        public long step(TrainingMetrics event) {
            return event.step();
        }

        @Override
        public String runId(TrainingMetrics event) {
            return event.runId();
        }
    };
}
