package dev.cohort.core.internal.delivery;

/**
 * A snapshot of one listener's delivery counters, for the shell and for tests. {@code dropped}:
 * batches lost while connected (full queue, blacklisting); {@code missed}: batches published
 * while it was away that could not be replayed to it. The two texts give their steps per run.
 */
public record ListenerStatus(String name, long serviceId, long bundleId, String bundleVersion,
        String state, long delivered, long failed, long timeouts, long dropped, long missed, long replayed,
        int queueDepth, long lastStep, String droppedSteps, String missedSteps) {
}
