package dev.cohort.trainer.internal.run;

/**
 * A training step that failed: which step, why ({@link #getCause()}) and what was saved of the
 * run (the checkpoint of the last good step, or why there is none).
 */
final class StepFailure extends Exception {

    private static final long serialVersionUID = 1L;

    private final String saved;

    StepFailure(int step, Throwable cause, String saved) {
        super("step " + step + " failed: " + describe(cause) + "; " + saved, cause);
        this.saved = saved;
    }

    /** The checkpoint of the last good step, or why there is none. */
    String saved() {
        return saved;
    }

    private static String describe(Throwable t) {
        return t.getMessage() != null && !(t instanceof NullPointerException) ? t.getMessage() : t.toString();
    }
}
