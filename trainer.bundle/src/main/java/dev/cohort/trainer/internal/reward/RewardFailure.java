package dev.cohort.trainer.internal.reward;

/** A reward function failed and the run is configured to fail with it. */
public final class RewardFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public RewardFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
