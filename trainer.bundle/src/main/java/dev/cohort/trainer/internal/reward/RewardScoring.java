package dev.cohort.trainer.internal.reward;

import dev.cohort.api.reward.RewardInput;
import java.util.List;

/** Trainer-internal service: scores batches with the registered reward functions. */
public interface RewardScoring {

    /**
     * Scores a batch with the selected functions, waiting (bounded by the policy) for functions
     * that are not registered yet.
     *
     * @throws IllegalStateException when a selected function is still missing after the wait
     * @throws RewardFailure when a function fails and the policy says the run fails with it
     */
    RewardColumns score(List<RewardSpec> specs, RewardInput input, ScoringPolicy policy)
            throws InterruptedException;

    /** Every registered reward function service with its counters. */
    List<RewardStatus> functions();

    /** A registered function, for the shell. {@code selected} is false for a shadowed duplicate. */
    record RewardStatus(String name, long bundleId, String bundleVersion, long serviceId,
            boolean selected, long calls, long failures, long timeouts, long lastMillis) {
    }
}
