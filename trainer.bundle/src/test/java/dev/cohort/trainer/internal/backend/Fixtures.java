package dev.cohort.trainer.internal.backend;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;

/** Test data and comparisons shared by the backend tests. */
final class Fixtures {

    private Fixtures() {
    }

    /** n values uniform in [-scale, scale), from a fixed seed. */
    static float[] uniform(long seed, int n, float scale) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (2f * r.nextFloat() - 1f) * scale;
        }
        return v;
    }

    static Tensor tensor(Backend be, String name, float[] values) {
        Tensor t = be.allocate(name, values.length);
        be.write(t, values);
        return t;
    }

    static float[] read(Backend be, Tensor t) {
        float[] v = new float[(int) t.size()];
        be.read(t, v);
        return v;
    }

    /** sum r[i] * y[i] in double: the scalar loss of the gradient checks. */
    static double dot(float[] r, float[] y) {
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            s += (double) r[i] * y[i];
        }
        return s;
    }

    static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    /** |actual - expected| <= abs + rel * |expected| everywhere; the message names the first bad index. */
    static void assertClose(String what, double[] expected, float[] actual, double rel, double abs) {
        if (expected.length != actual.length) {
            fail(what + ": length " + actual.length + ", expected " + expected.length);
        }
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(actual[i] - expected[i]);
            if (!(err <= abs + rel * Math.abs(expected[i]))) {
                fail(what + "[" + i + "] = " + actual[i] + ", expected " + expected[i] + " (error " + err + ")");
            }
        }
    }

    static void assertClose(String what, float[] expected, float[] actual, double rel, double abs) {
        double[] e = new double[expected.length];
        for (int i = 0; i < e.length; i++) {
            e[i] = expected[i];
        }
        assertClose(what, e, actual, rel, abs);
    }

    /** Backward ops accumulate: the gradient after two calls is twice that after one (from zero). */
    static void assertDoubled(String what, float[] once, float[] twice) {
        for (int i = 0; i < once.length; i++) {
            double err = Math.abs(twice[i] - 2.0 * once[i]);
            if (!(err <= 1e-6 + 1e-5 * Math.abs(2.0 * once[i]))) {
                fail(what + "[" + i + "]: one backward gave " + once[i] + ", two gave " + twice[i]);
            }
        }
    }
}
