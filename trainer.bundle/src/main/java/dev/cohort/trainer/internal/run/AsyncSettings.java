package dev.cohort.trainer.internal.run;

/**
 * Asynchronous generation ({@code async_prefetch}): batches in flight ({@code prefetch_depth}),
 * how many optimizer steps a batch's weights may lag the policy that trains on it
 * ({@code max_staleness}) and how often the trainer hands its weights to the producer
 * ({@code weight_sync_steps}).
 */
record AsyncSettings(boolean enabled, int depth, int maxStaleness, int syncSteps) {

    /** The synchronous loop. */
    static final AsyncSettings OFF = new AsyncSettings(false, 1, 1, 1);

    AsyncSettings {
        if (depth < 1 || maxStaleness < 0 || syncSteps < 1) {
            throw new IllegalArgumentException("prefetch_depth " + depth + " must be >= 1, max_staleness "
                    + maxStaleness + " >= 0, weight_sync_steps " + syncSteps + " >= 1");
        }
        if (enabled && maxStaleness < syncSteps - 1) {
            throw new IllegalArgumentException("max_staleness " + maxStaleness + " is less than weight_sync_steps - 1 = "
                    + (syncSteps - 1));
        }
    }
}
