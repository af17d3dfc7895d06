package dev.cohort.trainer.internal.config;

import dev.cohort.trainer.internal.objective.VllmImportanceSampling;

/**
 * The keys of TRL's off-policy corrections and of asynchronous generation, read with their
 * defaults and ranges, and the check that binds two of them: with {@code async_prefetch} the
 * trainer publishes weights only every {@code weight_sync_steps} steps, so a batch can be up to
 * {@code weight_sync_steps - 1} versions behind even when it is generated at the last moment;
 * a smaller {@code max_staleness} could never be met.
 */
final class AsyncKeys {

    static final String PREFETCH = "async_prefetch";
    static final String MAX_STALENESS = "max_staleness";
    static final String SYNC_STEPS = "weight_sync_steps";

    /** The values read, defaults where the file gives none. */
    record Values(boolean correction, VllmImportanceSampling mode, double cap, Double maskThreshold,
            boolean prefetch, int depth, int maxStaleness, int syncSteps) {
    }

    private AsyncKeys() {
    }

    static Values read(Fields f) {
        boolean correction = f.bool("vllm_importance_sampling_correction", true);
        VllmImportanceSampling mode = f.choice("vllm_importance_sampling_mode", VllmImportanceSampling.SEQUENCE_MASK,
                VllmImportanceSampling.class);
        double cap = f.number("vllm_importance_sampling_cap", 3.0, Range.above(0));
        Double threshold = f.optionalNumber("off_policy_mask_threshold", Range.atLeast(0));
        boolean prefetch = f.bool(PREFETCH, false);
        int depth = f.integer("prefetch_depth", 1, Range.atLeast(1));
        int maxStaleness = f.integer(MAX_STALENESS, 1, Range.atLeast(0));
        int syncSteps = f.integer(SYNC_STEPS, 1, Range.atLeast(1));
        if (prefetch && f.valid(PREFETCH) && f.valid(MAX_STALENESS) && f.valid(SYNC_STEPS)
                && maxStaleness < syncSteps - 1) {
            int line = f.line(MAX_STALENESS) != 0 ? f.line(MAX_STALENESS)
                    : f.line(SYNC_STEPS) != 0 ? f.line(SYNC_STEPS) : f.line(PREFETCH);
            f.problem(MAX_STALENESS, line, maxStaleness + " is less than " + SYNC_STEPS + " - 1 = "
                    + (syncSteps - 1) + ": weights reach the producer only every " + syncSteps
                    + " steps, so with async_prefetch a batch can be that many versions behind");
        }
        return new Values(correction, mode, cap, threshold, prefetch, depth, maxStaleness, syncSteps);
    }
}
