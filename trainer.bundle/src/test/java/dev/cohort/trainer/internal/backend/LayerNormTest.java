package dev.cohort.trainer.internal.backend;

import static dev.cohort.trainer.internal.backend.Fixtures.assertDoubled;
import static dev.cohort.trainer.internal.backend.Fixtures.dot;
import static dev.cohort.trainer.internal.backend.Fixtures.read;
import static dev.cohort.trainer.internal.backend.Fixtures.tensor;
import static dev.cohort.trainer.internal.backend.Fixtures.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LayerNormTest {

    private final JavaBackend be = new JavaBackend(2);

    @AfterEach
    void close() {
        be.close();
    }

    @Test
    void rowsHaveMeanZeroAndUnitVarianceBeforeScale() {
        int n = 4;
        int c = 300;
        float[] x = uniform(1, n * c, 3f);
        for (int i = 0; i < x.length; i++) {
            x[i] += 100f * (i / c); // rows with large means: the statistics are accumulated in double
        }
        float[] ones = new float[c];
        Arrays.fill(ones, 1f);
        Tensor out = be.allocate("out", n * c);
        Tensor mean = be.allocate("mean", n);
        Tensor rstd = be.allocate("rstd", n);
        be.layerNormForward(out, mean, rstd, tensor(be, "inp", x), tensor(be, "w", ones), be.allocate("b", c), n, c,
                1e-5f);
        float[] y = read(be, out);
        for (int r = 0; r < n; r++) {
            double m = 0;
            double v = 0;
            for (int i = 0; i < c; i++) {
                m += y[r * c + i];
            }
            m /= c;
            for (int i = 0; i < c; i++) {
                v += (y[r * c + i] - m) * (y[r * c + i] - m);
            }
            assertEquals(0.0, m, 1e-4, "mean of row " + r);
            assertEquals(1.0, v / c, 1e-3, "biased variance of row " + r);
            double xm = 0;
            for (int i = 0; i < c; i++) {
                xm += x[r * c + i];
            }
            assertEquals(xm / c, read(be, mean)[r], 1e-5 * Math.abs(xm / c) + 1e-6, "saved mean of row " + r);
        }
    }

    @Test
    void scaleAndShiftApply() {
        float[] x = {1f, 2f, 3f, 4f};
        Tensor out = be.allocate("out", 4);
        be.layerNormForward(out, be.allocate("m", 1), be.allocate("s", 1), tensor(be, "x", x),
                tensor(be, "w", new float[] {2f, 2f, 2f, 2f}), tensor(be, "b", new float[] {1f, 1f, 1f, 1f}), 1, 4, 0f);
        double sd = Math.sqrt(1.25);
        float[] y = read(be, out);
        for (int i = 0; i < 4; i++) {
            assertEquals(2 * (x[i] - 2.5) / sd + 1, y[i], 1e-6);
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        int n = 3;
        int c = 7;
        float[] x = uniform(2, n * c, 1.5f);
        float[] w = uniform(3, c, 1f);
        float[] b = uniform(4, c, 1f);
        float[] r = uniform(5, n * c, 1f);
        Tensor tx = tensor(be, "inp", x);
        Tensor tw = tensor(be, "weight", w);
        Tensor tb = tensor(be, "bias", b);
        Tensor out = be.allocate("out", n * c);
        Tensor mean = be.allocate("mean", n);
        Tensor rstd = be.allocate("rstd", n);
        Tensor dx = be.allocate("dinp", n * c);
        Tensor dw = be.allocate("dweight", c);
        Tensor db = be.allocate("dbias", c);
        Tensor dout = tensor(be, "dout", r);
        DoubleSupplier loss = () -> {
            be.layerNormForward(out, mean, rstd, tx, tw, tb, n, c, 1e-5f);
            return dot(r, read(be, out));
        };
        loss.getAsDouble();
        be.layerNormBackward(dx, dw, db, dout, tx, tw, mean, rstd, n, c);
        float[] gx = read(be, dx);
        float[] gw = read(be, dw);
        float[] gb = read(be, db);
        GradientCheck check = new GradientCheck(be);
        GradientCheck.assertGradient("dinp", gx, check.numeric(tx, x, loss));
        GradientCheck.assertGradient("dweight", gw, check.numeric(tw, w, loss));
        GradientCheck.assertGradient("dbias", gb, check.numeric(tb, b, loss));
        loss.getAsDouble();
        be.layerNormBackward(dx, dw, db, dout, tx, tw, mean, rstd, n, c);
        assertDoubled("dinp", gx, read(be, dx));
        assertDoubled("dweight", gw, read(be, dw));
        assertDoubled("dbias", gb, read(be, db));
    }
}
