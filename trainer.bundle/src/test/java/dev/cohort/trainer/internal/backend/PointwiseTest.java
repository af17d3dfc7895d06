package dev.cohort.trainer.internal.backend;

import static dev.cohort.trainer.internal.backend.Fixtures.assertClose;
import static dev.cohort.trainer.internal.backend.Fixtures.assertDoubled;
import static dev.cohort.trainer.internal.backend.Fixtures.dot;
import static dev.cohort.trainer.internal.backend.Fixtures.read;
import static dev.cohort.trainer.internal.backend.Fixtures.tensor;
import static dev.cohort.trainer.internal.backend.Fixtures.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** GELU, residual, accumulate, scale, sum of squares and the embedding. */
class PointwiseTest {

    private final JavaBackend be = new JavaBackend(2);

    @AfterEach
    void close() {
        be.close();
    }

    @Test
    void geluValues() {
        float[] x = {-3f, -1f, -0.5f, 0f, 0.5f, 1f, 3f};
        Tensor out = be.allocate("out", x.length);
        be.geluForward(out, tensor(be, "x", x), x.length);
        double[] expected = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            expected[i] = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
        }
        assertClose("gelu", expected, read(be, out), 1e-6, 1e-7);
        // known values of the tanh approximation
        assertEquals(0.841192, read(be, out)[5], 1e-6);
        assertEquals(-0.158808, read(be, out)[1], 1e-6);
        assertEquals(-0.00363739, read(be, out)[0], 1e-7);
    }

    @Test
    void geluGradientMatchesFiniteDifferences() {
        float[] x = uniform(1, 40, 3f);
        float[] r = uniform(2, 40, 1f);
        Tensor tx = tensor(be, "inp", x);
        Tensor out = be.allocate("out", 40);
        Tensor dx = be.allocate("dinp", 40);
        Tensor dout = tensor(be, "dout", r);
        be.geluBackward(dx, tx, dout, 40);
        float[] g = read(be, dx);
        GradientCheck.assertGradient("dinp", g, new GradientCheck(be).numeric(tx, x, () -> {
            be.geluForward(out, tx, 40);
            return dot(r, read(be, out));
        }));
        be.geluBackward(dx, tx, dout, 40);
        assertDoubled("dinp", g, read(be, dx));
    }

    /** The residual's backward is an accumulate of dout into both inputs' gradients. */
    @Test
    void residualAndItsGradient() {
        int n = 10;
        float[] a = uniform(3, n, 1f);
        float[] b = uniform(4, n, 1f);
        float[] r = uniform(5, n, 1f);
        Tensor ta = tensor(be, "a", a);
        Tensor tb = tensor(be, "b", b);
        Tensor out = be.allocate("out", n);
        be.residualForward(out, ta, tb, n);
        float[] sum = new float[n];
        for (int i = 0; i < n; i++) {
            sum[i] = a[i] + b[i];
        }
        assertClose("out", sum, read(be, out), 0, 0);
        Tensor da = be.allocate("da", n);
        Tensor dout = tensor(be, "dout", r);
        be.accumulate(da, dout);
        float[] g = read(be, da);
        DoubleSupplier loss = () -> {
            be.residualForward(out, ta, tb, n);
            return dot(r, read(be, out));
        };
        GradientCheck check = new GradientCheck(be);
        GradientCheck.assertGradient("da", g, check.numeric(ta, a, loss));
        GradientCheck.assertGradient("db", g, check.numeric(tb, b, loss));
        be.accumulate(da, dout);
        assertDoubled("da", g, read(be, da));
    }

    @Test
    void residualInPlace() {
        Tensor a = tensor(be, "a", new float[] {1f, 2f});
        be.residualForward(a, a, tensor(be, "b", new float[] {10f, 20f}), 2);
        assertClose("a", new float[] {11f, 22f}, read(be, a), 0, 0);
    }

    @Test
    void scaleAndSumOfSquares() {
        float[] x = uniform(6, 200_001, 2f);
        Tensor t = tensor(be, "t", x);
        double expected = 0;
        for (float v : x) {
            expected += (double) v * v;
        }
        assertEquals(expected, be.sumOfSquares(t), 1e-12 * expected);
        be.scale(t, 0.5f);
        assertEquals(expected / 4, be.sumOfSquares(t), 1e-12 * expected);
        assertEquals(x[17] * 0.5f, read(be, t)[17]);
    }

    @Test
    void embeddingForwardAndGradient() {
        int v = 5;
        int maxT = 4;
        int c = 3;
        int[] tokens = {4, 1, 4, 0};
        int[] positions = {0, 1, 2, 3};
        int n = tokens.length;
        float[] wte = uniform(7, v * c, 1f);
        float[] wpe = uniform(8, maxT * c, 1f);
        float[] r = uniform(9, n * c, 1f);
        Tensor tte = tensor(be, "wte", wte);
        Tensor tpe = tensor(be, "wpe", wpe);
        Tensor out = be.allocate("out", n * c);
        be.embeddingForward(out, tokens, positions, n, tte, tpe, c);
        float[] y = read(be, out);
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < c; k++) {
                assertEquals(wte[tokens[i] * c + k] + wpe[positions[i] * c + k], y[i * c + k]);
            }
        }
        Tensor dwte = be.allocate("dwte", v * c);
        Tensor dwpe = be.allocate("dwpe", maxT * c);
        Tensor dout = tensor(be, "dout", r);
        be.embeddingBackward(dwte, dwpe, dout, tokens, positions, n, c);
        float[] gte = read(be, dwte);
        float[] gpe = read(be, dwpe);
        DoubleSupplier loss = () -> {
            be.embeddingForward(out, tokens, positions, n, tte, tpe, c);
            return dot(r, read(be, out));
        };
        GradientCheck check = new GradientCheck(be);
        GradientCheck.assertGradient("dwte (token 4 used twice)", gte, check.numeric(tte, wte, loss));
        GradientCheck.assertGradient("dwpe", gpe, check.numeric(tpe, wpe, loss));
        be.embeddingBackward(dwte, dwpe, dout, tokens, positions, n, c);
        assertDoubled("dwte", gte, read(be, dwte));
        assertDoubled("dwpe", gpe, read(be, dwpe));
    }
}
