package dev.cohort.vllm.internal.worker;

/** A call's params are missing or wrong: answered with error kind {@code bad_request}. */
final class BadRequest extends Exception {

    private static final long serialVersionUID = 1L;

    BadRequest(String field, String problem) {
        super("params." + field + ": " + problem);
    }
}
