package dev.cohort.core.internal.delivery;

import dev.cohort.api.rollout.RolloutBatch;
import dev.cohort.api.training.TrainingMetrics;

/**
 * What a delivery carries: how to name its listeners in messages, which service properties
 * configure them, how to read an event's step and run and how to spill it to disk.
 */
interface EventKind<E> {

    /** "Rollout listener", "Training listener": the start of every message about one. */
    String listenerNoun();

    /** Prefix of the listeners' service properties: {@code <prefix>name}, {@code <prefix>queue.capacity}, ... */
    String propertyPrefix();

    /** A prefix still accepted (with a warning) when a property is absent under the current one; or null. */
    String legacyPropertyPrefix();

    long step(E event);

    String runId(E event);

    /** True when the event is the last of its run (so that the run ends without an explicit call). */
    boolean endsRun(E event);

    SpillCodec<E> codec();

    EventKind<RolloutBatch> ROLLOUTS = new EventKind<>() {
        @Override
        public String listenerNoun() {
            return "Rollout listener";
        }

        @Override
        public String propertyPrefix() {
            return "cohort.listener.";
        }

        @Override
        public String legacyPropertyPrefix() {
            return null;
        }

        @Override
        public long step(RolloutBatch event) {
            return event.step();
        }

        @Override
        public String runId(RolloutBatch event) {
            return event.runId();
        }

        @Override
        public boolean endsRun(RolloutBatch event) {
            return false;
        }

        @Override
        public SpillCodec<RolloutBatch> codec() {
            return SpillCodec.ROLLOUTS;
        }
    };

    EventKind<TrainingMetrics> METRICS = new EventKind<>() {
        @Override
        public String listenerNoun() {
            return "Training listener";
        }

        @Override
        public String propertyPrefix() {
            return "cohort.training.listener.";
        }

        @Override
        public String legacyPropertyPrefix() {
            return "cohort.listener.";
        }

        @Override
        public long step(TrainingMetrics event) {
            return event.step();
        }

        @Override
        public String runId(TrainingMetrics event) {
            return event.runId();
        }

        @Override
        public boolean endsRun(TrainingMetrics event) {
            return event.maxSteps() > 0 && event.step() >= event.maxSteps();
        }

        @Override
        public SpillCodec<TrainingMetrics> codec() {
            return SpillCodec.METRICS;
        }
    };
}
