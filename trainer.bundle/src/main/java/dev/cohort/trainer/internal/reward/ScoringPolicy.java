package dev.cohort.trainer.internal.reward;

/**
 * How a run treats its reward functions.
 *
 * @param timeoutMs budget of one reward function call ({@code reward_timeout_ms})
 * @param failRun   a failing function fails the run instead of giving a NaN column
 *                  ({@code reward_failure: fail}; default {@code warn})
 * @param waitMs    how long a run waits for a configured function to be registered
 *                  ({@code reward_wait_ms})
 */
public record ScoringPolicy(long timeoutMs, boolean failRun, long waitMs) {

    public ScoringPolicy {
        if (timeoutMs <= 0) {
            throw new IllegalArgumentException("reward_timeout_ms must be > 0, got " + timeoutMs);
        }
        if (waitMs < 0) {
            throw new IllegalArgumentException("reward_wait_ms must be >= 0, got " + waitMs);
        }
    }

    public static ScoringPolicy defaults() {
        return new ScoringPolicy(60_000, false, 30_000);
    }
}
