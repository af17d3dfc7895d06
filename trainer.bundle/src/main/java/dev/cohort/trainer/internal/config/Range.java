package dev.cohort.trainer.internal.config;

/** The values a numeric key accepts, and how the range is written in a message. */
record Range(double low, boolean lowOpen, double high, boolean highOpen) {

    static final Range ANY =
            new Range(Double.NEGATIVE_INFINITY, false, Double.POSITIVE_INFINITY, false);

    /** {@code >= low} */
    static Range atLeast(double low) {
        return new Range(low, false, Double.POSITIVE_INFINITY, false);
    }

    /** {@code > low} */
    static Range above(double low) {
        return new Range(low, true, Double.POSITIVE_INFINITY, false);
    }

    /** [low, high), (low, high], [low, high] or (low, high) as the flags say. */
    static Range between(double low, boolean lowOpen, double high, boolean highOpen) {
        return new Range(low, lowOpen, high, highOpen);
    }

    boolean contains(double v) {
        boolean aboveLow = lowOpen ? v > low : v >= low;
        boolean belowHigh = highOpen ? v < high : v <= high;
        return aboveLow && belowHigh;
    }

    /** "must be >= 0", "must be > 0", "must be in [0, 1)". */
    String requirement() {
        if (high == Double.POSITIVE_INFINITY) {
            return "must be " + (lowOpen ? "> " : ">= ") + format(low);
        }
        return "must be in " + (lowOpen ? "(" : "[") + format(low) + ", " + format(high)
                + (highOpen ? ")" : "]");
    }

    private static String format(double bound) {
        return bound == Math.rint(bound) ? Long.toString((long) bound) : Double.toString(bound);
    }
}
