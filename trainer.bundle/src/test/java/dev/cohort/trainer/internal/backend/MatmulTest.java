package dev.cohort.trainer.internal.backend;

import static dev.cohort.trainer.internal.backend.Fixtures.assertClose;
import static dev.cohort.trainer.internal.backend.Fixtures.assertDoubled;
import static dev.cohort.trainer.internal.backend.Fixtures.dot;
import static dev.cohort.trainer.internal.backend.Fixtures.read;
import static dev.cohort.trainer.internal.backend.Fixtures.tensor;
import static dev.cohort.trainer.internal.backend.Fixtures.uniform;

import dev.cohort.trainer.internal.backend.Backend.Layout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MatmulTest {

    /** Float sums of K products: error at most about K * 6e-8 times the sum of |terms|; 131 terms here. */
    private static final double REL_SUM = 2e-5;

    private final JavaBackend be = new JavaBackend(2);

    @AfterEach
    void close() {
        be.close();
    }

    /** W(c, o) in the given layout. */
    private static float w(float[] w, int c, int o, int cs, int ocs, Layout layout) {
        return layout == Layout.IN_OUT ? w[c * ocs + o] : w[o * cs + c];
    }

    /** out = inp W + bias in double, with the sum of |terms| per element for the error bound. */
    private static double[][] naiveForward(float[] inp, float[] w, float[] bias, int n, int c, int oc, Layout layout) {
        double[] out = new double[n * oc];
        double[] mag = new double[n * oc];
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < oc; o++) {
                double s = bias == null ? 0 : bias[o];
                double m = Math.abs(s);
                for (int k = 0; k < c; k++) {
                    double term = (double) inp[i * c + k] * w(w, k, o, c, oc, layout);
                    s += term;
                    m += Math.abs(term);
                }
                out[i * oc + o] = s;
                mag[i * oc + o] = m;
            }
        }
        return new double[][] {out, mag};
    }

    private static void assertWithin(String what, double[][] ref, float[] actual) {
        double[] tol = new double[ref[0].length];
        for (int i = 0; i < tol.length; i++) {
            double err = Math.abs(actual[i] - ref[0][i]);
            if (!(err <= REL_SUM * ref[1][i] + 1e-6)) {
                throw new AssertionError(what + "[" + i + "] = " + actual[i] + ", expected " + ref[0][i]);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Layout.class)
    void forwardMatchesNaiveAcrossBlockEdges(Layout layout) {
        // C crosses a KB = 128 tile edge and is not a multiple of 4; OC crosses JB = 1024 (1030) and the 16-column unit; N is not a multiple of 4
        int[][] shapes = {{5, 131, 530}, {1, 7, 3}, {9, 4, 17}, {33, 260, 1030}};
        for (int[] s : shapes) {
            for (boolean withBias : new boolean[] {false, true}) {
                int n = s[0];
                int c = s[1];
                int oc = s[2];
                float[] inp = uniform(1, n * c, 1f);
                float[] w = uniform(2, c * oc, 1f);
                float[] bias = withBias ? uniform(3, oc, 1f) : null;
                Tensor out = be.allocate("out", (long) n * oc);
                be.write(out, uniform(4, n * oc, 5f)); // overwritten, not accumulated
                be.matmulForward(out, tensor(be, "inp", inp), tensor(be, "w", w),
                        withBias ? tensor(be, "bias", bias) : null, n, c, oc, layout);
                assertWithin(layout + " " + n + "x" + c + "x" + oc + " bias " + withBias,
                        naiveForward(inp, w, bias, n, c, oc, layout), read(be, out));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Layout.class)
    void backwardMatchesNaiveAcrossBlockEdges(Layout layout) {
        int n = 7;
        int c = 131;
        int oc = 530;
        float[] inp = uniform(5, n * c, 1f);
        float[] w = uniform(6, c * oc, 1f);
        float[] dout = uniform(7, n * oc, 1f);
        float[] dinp0 = uniform(8, n * c, 1f);
        float[] dw0 = uniform(9, c * oc, 1f);
        float[] db0 = uniform(10, oc, 1f);
        Tensor dinp = tensor(be, "dinp", dinp0);
        Tensor dw = tensor(be, "dw", dw0);
        Tensor db = tensor(be, "db", db0);
        be.matmulBackward(dinp, dw, db, tensor(be, "dout", dout), tensor(be, "inp", inp), tensor(be, "w", w), n, c, oc,
                layout);
        double[] eDinp = new double[n * c];
        double[] eDw = new double[c * oc];
        double[] eDb = new double[oc];
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < oc; o++) {
                double g = dout[i * oc + o];
                eDb[o] += g;
                for (int k = 0; k < c; k++) {
                    eDinp[i * c + k] += g * w(w, k, o, c, oc, layout);
                    int wi = layout == Layout.IN_OUT ? k * oc + o : o * c + k;
                    eDw[wi] += g * inp[i * c + k];
                }
            }
        }
        add(eDinp, dinp0);
        add(eDw, dw0);
        add(eDb, db0);
        // dinp sums OC = 530 terms of size <= 1: bound 530 * 6e-8 * 530 ~ 2e-2 worst case, 1e-3 in practice
        assertClose("dinp", eDinp, read(be, dinp), 1e-5, 2e-4);
        assertClose("dweight", eDw, read(be, dw), 1e-5, 1e-5);
        assertClose("dbias", eDb, read(be, db), 1e-5, 1e-5);
    }

    private static void add(double[] a, float[] b) {
        for (int i = 0; i < a.length; i++) {
            a[i] += b[i];
        }
    }

    @ParameterizedTest
    @EnumSource(Layout.class)
    void gradientsMatchFiniteDifferences(Layout layout) {
        int n = 3;
        int c = 6;
        int oc = 5;
        float[] inp = uniform(11, n * c, 1f);
        float[] w = uniform(12, c * oc, 1f);
        float[] bias = uniform(13, oc, 1f);
        float[] r = uniform(14, n * oc, 1f);
        Tensor tInp = tensor(be, "inp", inp);
        Tensor tW = tensor(be, "w", w);
        Tensor tB = tensor(be, "bias", bias);
        Tensor out = be.allocate("out", n * oc);
        Tensor dinp = be.allocate("dinp", n * c);
        Tensor dw = be.allocate("dw", c * oc);
        Tensor db = be.allocate("db", oc);
        Runnable backward = () -> be.matmulBackward(dinp, dw, db, tensor(be, "dout", r), tInp, tW, n, c, oc, layout);
        backward.run();
        float[] gInp = read(be, dinp);
        float[] gW = read(be, dw);
        float[] gB = read(be, db);
        GradientCheck check = new GradientCheck(be);
        java.util.function.DoubleSupplier loss = () -> {
            be.matmulForward(out, tInp, tW, tB, n, c, oc, layout);
            return dot(r, read(be, out));
        };
        GradientCheck.assertGradient("dinp", gInp, check.numeric(tInp, inp, loss));
        GradientCheck.assertGradient("dweight", gW, check.numeric(tW, w, loss));
        GradientCheck.assertGradient("dbias", gB, check.numeric(tB, bias, loss));
        backward.run();
        assertDoubled("dinp", gInp, read(be, dinp));
        assertDoubled("dweight", gW, read(be, dw));
        assertDoubled("dbias", gB, read(be, db));
    }

    @Test
    void nullBiasAndNullDinpAreSkipped() {
        int n = 2;
        int c = 3;
        int oc = 4;
        Tensor dw = be.allocate("dw", c * oc);
        be.matmulBackward(null, dw, null, tensor(be, "dout", uniform(1, n * oc, 1f)),
                tensor(be, "inp", uniform(2, n * c, 1f)), tensor(be, "w", uniform(3, c * oc, 1f)), n, c, oc,
                Layout.IN_OUT);
        double s = be.sumOfSquares(dw);
        org.junit.jupiter.api.Assertions.assertTrue(s > 0, "dweight was accumulated");
    }

    @Test
    void zeroDepthGivesTheBias() {
        Tensor out = tensor(be, "out", uniform(1, 6, 1f));
        float[] bias = {1f, 2f, 3f};
        be.matmulForward(out, be.allocate("inp", 0), be.allocate("w", 0), tensor(be, "bias", bias), 2, 0, 3,
                Layout.IN_OUT);
        assertClose("out", new float[] {1f, 2f, 3f, 1f, 2f, 3f}, read(be, out), 0, 0);
    }
}
