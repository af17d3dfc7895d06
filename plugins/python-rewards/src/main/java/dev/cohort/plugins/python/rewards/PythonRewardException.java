package dev.cohort.plugins.python.rewards;

/**
 * A Python reward function failed: it raised (the message carries the Python traceback),
 * returned the wrong number of values or something that is not a number, passed its deadline,
 * or its server was not reachable. The trainer's {@code reward_failure} policy decides what
 * follows (by default: a NaN column and a warning with this message).
 */
public final class PythonRewardException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public PythonRewardException(String message) {
        super(message, null, false, false);
    }
}
