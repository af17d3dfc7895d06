package dev.cohort.vllm.internal.worker;

/** A generate wants weights the worker does not hold: error kind {@code version_mismatch}. */
final class VersionMismatch extends Exception {

    private static final long serialVersionUID = 1L;

    VersionMismatch(String message) {
        super(message);
    }
}
