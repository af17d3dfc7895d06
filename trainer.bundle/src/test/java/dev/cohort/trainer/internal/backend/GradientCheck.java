package dev.cohort.trainer.internal.backend;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.DoubleSupplier;

/**
 * Central finite differences of a scalar loss {@code L = sum R * forward(x)}, for comparison with
 * a backward's gradient.
 * <p>
 * Why {@code |analytic - numeric| <= 1e-3 * max(1, |analytic|, |numeric|)} holds in float32 with
 * {@code h = 1e-2} on small problems with values of order 1:
 * <ul>
 * <li>Rounding: the outputs are float32, each off by a few units of {@code u = 6e-8} relative.
 * Outputs that do not depend on the probed element are recomputed bit for bit and cancel
 * exactly in {@code L+ - L-}; those that do (at most about ten here, each {@code |R y| <= ~2})
 * move L by at most about {@code 2 * 10 * 2 * 2e-7 = 8e-6} (L itself is summed in double), which
 * the division by {@code 2h = 2e-2} turns into at most about {@code 4e-4}, and far less when the
 * errors are not all of one sign.
 * <li>Truncation: the central difference is off by {@code h^2 f'''/6 ~ 1.7e-5 f'''}, with f''' of
 * order 1 to 10 for GELU, softmax and layer norm at these scales ({@code <= ~2e-4}), and zero
 * for the linear ops (matmul, embedding, residual).
 * </ul>
 * Together at most about 6e-4 in the worst case; observed at most 1.4e-5 over all checks. A wrong
 * backward (a missing term, a transposed index, a lost factor) is off by order 1 relative, and
 * even a 1% error in one coefficient of GELU's derivative fails. The step is the actual float
 * difference {@code (x+h) - (x-h)}, so representing x+h costs nothing. A second check bounds the
 * relative error of the whole gradient vector by the same 1e-3, so that a gradient with small
 * entries cannot hide behind the {@code max(1, ...)} floor.
 */
final class GradientCheck {

    static final float H = 1e-2f;
    static final double TOLERANCE = 1e-3;

    private final Backend be;

    GradientCheck(Backend be) {
        this.be = be;
    }

    /** dL/dx by central differences, where x holds the values of tensor t and loss runs the forward. */
    double[] numeric(Tensor t, float[] x, DoubleSupplier loss) {
        double[] g = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            float orig = x[j];
            float plus = orig + H;
            float minus = orig - H;
            x[j] = plus;
            be.write(t, x);
            double lp = loss.getAsDouble();
            x[j] = minus;
            be.write(t, x);
            double lm = loss.getAsDouble();
            x[j] = orig;
            be.write(t, x);
            g[j] = (lp - lm) / ((double) plus - minus);
        }
        return g;
    }

    static void assertGradient(String what, float[] analytic, double[] numeric) {
        double diff2 = 0;
        double norm2 = 0;
        for (int j = 0; j < numeric.length; j++) {
            double a = analytic[j];
            double n = numeric[j];
            double err = Math.abs(a - n);
            if (!(err <= TOLERANCE * Math.max(1.0, Math.max(Math.abs(a), Math.abs(n))))) {
                fail(what + "[" + j + "]: backward gives " + a + ", finite differences " + n);
            }
            diff2 += err * err;
            norm2 += n * n;
        }
        if (!(Math.sqrt(diff2) <= TOLERANCE * Math.sqrt(norm2) + 1e-6)) {
            fail(what + ": relative error of the gradient vector " + Math.sqrt(diff2 / norm2));
        }
    }
}
