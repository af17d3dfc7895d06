package dev.cohort.core.internal.delivery;

/** A snapshot of one listener's delivery counters, for the shell and for tests. */
public record ListenerStatus(String name, long serviceId, long bundleId, String bundleVersion,
        String state, long delivered, long failed, long timeouts, long dropped, long replayed,
        int queueDepth, long lastStep) {
}
