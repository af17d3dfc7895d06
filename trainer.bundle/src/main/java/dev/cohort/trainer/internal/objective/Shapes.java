package dev.cohort.trainer.internal.objective;

/**
 * Shape checks whose messages name the tensor and both shapes. A message is built only when a
 * check fails, so a passing check allocates nothing.
 */
final class Shapes {
    private Shapes() {}

    /** Throws unless a tensor has {@code expected} elements; {@code what} names its source. */
    static void requireLength(String name, int actual, int expected, String what) {
        if (actual != expected) {
            throw new IllegalArgumentException(
                    name + " has " + actual + " elements, expected " + what + " = " + expected);
        }
    }

    /** Throws unless a per-token tensor has b*T elements. */
    static void requireTokens(String name, int actual, int samples, int tokens) {
        if (actual != samples * tokens) {
            throw new IllegalArgumentException(name + " has " + actual + " elements, expected b*T = "
                    + samples + "*" + tokens + " = " + samples * tokens);
        }
    }

    /** Throws unless a per-sample tensor has b elements. */
    static void requireSamples(String name, int actual, int samples) {
        requireLength(name, actual, samples, "b");
    }

    /** Throws when a required tensor is missing; {@code expected} describes it. */
    static void requireNonNull(String name, Object tensor, String expected) {
        if (tensor == null) {
            throw new IllegalArgumentException(name + " is null, expected " + expected);
        }
    }

    /** Checks that column k of a [K][N] matrix is present and has n elements. */
    static void requireColumn(String matrix, int k, double[] column, int n, String what) {
        if (column == null || column.length != n) {
            String name = matrix + "[" + k + "]";
            requireNonNull(name, column, "[N] values");
            requireLength(name, column.length, n, what);
        }
    }

    /** Checks b >= 1, T >= 1 and that b * T fits an array index. */
    static void requireShape(int samples, int tokens) {
        if (samples < 1 || tokens < 1) {
            throw new IllegalArgumentException(
                    "shape b*T = " + samples + "*" + tokens + ", expected b >= 1 and T >= 1");
        }
        if ((long) samples * tokens > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "shape b*T = " + samples + "*" + tokens + " overflows an array index");
        }
    }
}
