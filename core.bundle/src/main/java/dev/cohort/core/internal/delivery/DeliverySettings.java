package dev.cohort.core.internal.delivery;

/**
 * Core's delivery settings (Config Admin PIDs {@code dev.cohort.core.delivery} and
 * {@code dev.cohort.core.metrics}; docs/configuration.md).
 *
 * @param queueCapacity  batches a listener may have queued
 * @param publishWaitMs  longest time one publish waits for room in full queues, all listeners together
 * @param callTimeoutMs  time budget of one listener call
 * @param maxTimeouts    timeouts after which a listener is blacklisted
 * @param historySize    most batches held in memory for listeners that may still need them
 * @param replayGraceMs  how long after a listener left what it misses is kept for its return
 * @param drainTimeoutMs longest wait for a departing listener to finish its queued batches
 * @param spill          whether batches beyond {@code historySize} go to disk rather than being given up
 */
record DeliverySettings(int queueCapacity, long publishWaitMs, long callTimeoutMs, int maxTimeouts,
        int historySize, long replayGraceMs, long drainTimeoutMs, boolean spill) {

    DeliverySettings {
        positive("queue.capacity", queueCapacity);
        nonNegative("publish.wait.ms", publishWaitMs);
        positive("call.timeout.ms", callTimeoutMs);
        positive("max.timeouts", maxTimeouts);
        nonNegative("history.size", historySize);
        nonNegative("replay.grace.ms", replayGraceMs);
        nonNegative("drain.timeout.ms", drainTimeoutMs);
    }

    static DeliverySettings defaults() {
        return new DeliverySettings(256, 1_000, 30_000, 3, 1_024, 60_000, 5_000, true);
    }

    private static void positive(String key, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(DeliveryComponent.PID + ": " + key
                    + " must be > 0, got " + value);
        }
    }

    private static void nonNegative(String key, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(DeliveryComponent.PID + ": " + key
                    + " must be >= 0, got " + value);
        }
    }
}
