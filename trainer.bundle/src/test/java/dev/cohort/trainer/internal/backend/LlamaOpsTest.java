package dev.cohort.trainer.internal.backend;

import static dev.cohort.trainer.internal.backend.Fixtures.assertDoubled;
import static dev.cohort.trainer.internal.backend.Fixtures.dot;
import static dev.cohort.trainer.internal.backend.Fixtures.read;
import static dev.cohort.trainer.internal.backend.Fixtures.tensor;
import static dev.cohort.trainer.internal.backend.Fixtures.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Llama family's ops on the Java backend: forwards against the formulas of transformers'
 * modeling files computed here in double, backwards against finite differences (tolerance and
 * why in {@link GradientCheck}), and accumulation (a second backward doubles the gradients).
 */
class LlamaOpsTest {

    private final JavaBackend be = new JavaBackend(2);

    @AfterEach
    void close() {
        be.close();
    }

    @Test
    void rmsNormIsXOverRootMeanSquareTimesWeight() {
        int n = 3;
        int c = 50;
        float[] x = uniform(1, n * c, 2f);
        float[] w = uniform(2, c, 1f);
        Tensor out = be.allocate("out", n * c);
        Tensor rstd = be.allocate("rstd", n);
        be.rmsNormForward(out, rstd, tensor(be, "x", x), tensor(be, "w", w), n, c, 1e-6f);
        float[] y = read(be, out);
        for (int r = 0; r < n; r++) {
            double ss = 0;
            for (int i = 0; i < c; i++) {
                ss += (double) x[r * c + i] * x[r * c + i];
            }
            double inv = 1 / Math.sqrt(ss / c + 1e-6);
            assertEquals(inv, read(be, rstd)[r], 1e-6 * inv);
            for (int i = 0; i < c; i++) {
                assertEquals(x[r * c + i] * inv * w[i], y[r * c + i], 1e-6 * (1 + Math.abs(y[r * c + i])));
            }
        }
    }

    @Test
    void rmsNormGradients() {
        int n = 3;
        int c = 7;
        float[] x = uniform(3, n * c, 1.5f);
        float[] w = uniform(4, c, 1f);
        float[] r = uniform(5, n * c, 1f);
        Tensor tx = tensor(be, "inp", x);
        Tensor tw = tensor(be, "weight", w);
        Tensor out = be.allocate("out", n * c);
        Tensor rstd = be.allocate("rstd", n);
        Tensor dx = be.allocate("dinp", n * c);
        Tensor dw = be.allocate("dweight", c);
        Tensor dout = tensor(be, "dout", r);
        DoubleSupplier loss = () -> {
            be.rmsNormForward(out, rstd, tx, tw, n, c, 1e-5f);
            return dot(r, read(be, out));
        };
        loss.getAsDouble();
        be.rmsNormBackward(dx, dw, dout, tx, tw, rstd, n, c);
        float[] gx = read(be, dx);
        float[] gw = read(be, dw);
        GradientCheck check = new GradientCheck(be);
        GradientCheck.assertGradient("dinp", gx, check.numeric(tx, x, loss));
        GradientCheck.assertGradient("dweight", gw, check.numeric(tw, w, loss));
        loss.getAsDouble();
        be.rmsNormBackward(dx, dw, dout, tx, tw, rstd, n, c);
        assertDoubled("dinp", gx, read(be, dx));
        assertDoubled("dweight", gw, read(be, dw));
    }

    @Test
    void residualRmsNormEqualsTheTwoOps() {
        int n = 2;
        int c = 9;
        float[] a = uniform(6, n * c, 1f);
        float[] b = uniform(7, n * c, 1f);
        float[] w = uniform(8, c, 1f);
        Tensor res = be.allocate("res", n * c);
        Tensor out = be.allocate("out", n * c);
        be.residualRmsNormForward(res, tensor(be, "a", a), tensor(be, "b", b), out, be.allocate("rstd", n),
                tensor(be, "w", w), n, c, 1e-6f);
        Tensor sum = be.allocate("sum", n * c);
        Tensor out2 = be.allocate("out2", n * c);
        be.residualForward(sum, tensor(be, "a2", a), tensor(be, "b2", b), n * c);
        be.rmsNormForward(out2, be.allocate("rstd2", n), sum, tensor(be, "w2", w), n, c, 1e-6f);
        assertArrayEquals(read(be, sum), read(be, res));
        assertArrayEquals(read(be, out2), read(be, out));
    }

    private static void assertArrayEquals(float[] a, float[] b) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(a, b, 0f);
    }

    @Test
    void headRmsNormNormalisesQueryAndKeyHeadsAndCopiesValues() {
        Heads h = new Heads(4, 2, 6);
        int n = 3;
        float[] x = uniform(9, n * h.qkvWidth(), 2f);
        float[] wq = uniform(10, h.size(), 1f);
        float[] wk = uniform(11, h.size(), 1f);
        Tensor out = be.allocate("out", x.length);
        be.headRmsNormForward(out, be.allocate("rstd", n * 6), tensor(be, "qkv", x), tensor(be, "wq", wq),
                tensor(be, "wk", wk), n, h, 1e-6f);
        float[] y = read(be, out);
        for (int p = 0; p < n; p++) {
            for (int head = 0; head < 8; head++) {
                int o = p * h.qkvWidth() + head * h.size();
                if (head >= 6) {
                    for (int i = 0; i < h.size(); i++) {
                        assertEquals(x[o + i], y[o + i], 0f, "value head copied");
                    }
                    continue;
                }
                double ss = 0;
                for (int i = 0; i < h.size(); i++) {
                    ss += (double) x[o + i] * x[o + i];
                }
                double inv = 1 / Math.sqrt(ss / h.size() + 1e-6);
                float[] w = head < 4 ? wq : wk;
                for (int i = 0; i < h.size(); i++) {
                    assertEquals(x[o + i] * inv * w[i], y[o + i], 1e-5);
                }
            }
        }
    }

    @Test
    void headRmsNormGradients() {
        Heads h = new Heads(2, 1, 4);
        int n = 2;
        float[] x = uniform(12, n * h.qkvWidth(), 1.5f);
        float[] wq = uniform(13, h.size(), 1f);
        float[] wk = uniform(14, h.size(), 1f);
        float[] r = uniform(15, x.length, 1f);
        Tensor tx = tensor(be, "qkv", x);
        Tensor twq = tensor(be, "wq", wq);
        Tensor twk = tensor(be, "wk", wk);
        Tensor out = be.allocate("out", x.length);
        Tensor rstd = be.allocate("rstd", n * 3);
        Tensor dx = be.allocate("dqkv", x.length);
        Tensor dwq = be.allocate("dwq", h.size());
        Tensor dwk = be.allocate("dwk", h.size());
        DoubleSupplier loss = () -> {
            be.headRmsNormForward(out, rstd, tx, twq, twk, n, h, 1e-5f);
            return dot(r, read(be, out));
        };
        loss.getAsDouble();
        be.headRmsNormBackward(dx, dwq, dwk, tensor(be, "dout", r), tx, twq, twk, rstd, n, h);
        GradientCheck check = new GradientCheck(be);
        GradientCheck.assertGradient("dqkv", read(be, dx), check.numeric(tx, x, loss));
        GradientCheck.assertGradient("dqWeight", read(be, dwq), check.numeric(twq, wq, loss));
        GradientCheck.assertGradient("dkWeight", read(be, dwk), check.numeric(twk, wk, loss));
    }

    @Test
    void ropeRotatesPairsIAndIPlusHalfByPositionTimesFrequency() {
        Heads h = new Heads(2, 1, 8);
        int n = 3;
        int[] positions = {0, 5, 17};
        float[] inv = {1f, 0.1f, 0.01f, 0.001f};
        float[] x = uniform(16, n * h.qkvWidth(), 1f);
        Tensor out = be.allocate("out", x.length);
        be.ropeForward(out, tensor(be, "qkv", x), positions, tensor(be, "inv", inv), n, h);
        float[] y = read(be, out);
        for (int r = 0; r < n; r++) {
            for (int head = 0; head < 4; head++) {
                int o = r * h.qkvWidth() + head * 8;
                for (int i = 0; i < 4; i++) {
                    if (head == 3) {
                        assertEquals(x[o + i], y[o + i], 0f, "value head copied");
                        continue;
                    }
                    // as a complex number x[i] + j x[i + d/2] turned by the angle
                    double a = positions[r] * (double) inv[i];
                    double re = x[o + i] * Math.cos(a) - x[o + i + 4] * Math.sin(a);
                    double im = x[o + i + 4] * Math.cos(a) + x[o + i] * Math.sin(a);
                    assertEquals(re, y[o + i], 1e-5);
                    assertEquals(im, y[o + i + 4], 1e-5);
                }
            }
        }
    }

    @Test
    void ropeBackwardIsTheInverseRotationAndInPlaceForwardWorks() {
        Heads h = new Heads(4, 2, 6);
        int n = 4;
        int[] positions = {3, 0, 9, 1};
        float[] inv = {0.9f, 0.2f, 0.05f};
        float[] x = uniform(17, n * h.qkvWidth(), 1f);
        float[] r = uniform(18, x.length, 1f);
        Tensor tx = tensor(be, "qkv", x);
        Tensor ti = tensor(be, "inv", inv);
        Tensor out = be.allocate("out", x.length);
        Tensor dx = be.allocate("dqkv", x.length);
        DoubleSupplier loss = () -> {
            be.ropeForward(out, tx, positions, ti, n, h);
            return dot(r, read(be, out));
        };
        loss.getAsDouble();
        be.ropeBackward(dx, tensor(be, "dout", r), positions, ti, n, h);
        GradientCheck.assertGradient("dqkv", read(be, dx), new GradientCheck(be).numeric(tx, x, loss));
        Tensor inPlace = tensor(be, "same", x);
        be.ropeForward(inPlace, inPlace, positions, ti, n, h);
        be.ropeForward(out, tensor(be, "again", x), positions, ti, n, h);
        assertArrayEquals(read(be, out), read(be, inPlace));
        assertThrows(IllegalArgumentException.class,
                () -> be.ropeForward(out, tx, positions, ti, n, new Heads(4, 2, 5)));
    }

    @Test
    void swigluIsSiluOfGateTimesUpAndItsGradients() {
        int n = 3;
        int w = 5;
        float[] gu = uniform(19, n * 2 * w, 3f);
        Tensor out = be.allocate("out", n * w);
        Tensor tgu = tensor(be, "gateUp", gu);
        be.swigluForward(out, tgu, n, w);
        float[] y = read(be, out);
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < w; i++) {
                double g = gu[r * 2 * w + i];
                double u = gu[r * 2 * w + w + i];
                assertEquals(g / (1 + Math.exp(-g)) * u, y[r * w + i], 1e-5 * (1 + Math.abs(y[r * w + i])));
            }
        }
        float[] rr = uniform(20, n * w, 1f);
        Tensor dgu = be.allocate("dgateUp", gu.length);
        DoubleSupplier loss = () -> {
            be.swigluForward(out, tgu, n, w);
            return dot(rr, read(be, out));
        };
        be.swigluBackward(dgu, tgu, tensor(be, "dout", rr), n, w);
        GradientCheck.assertGradient("dgateUp", read(be, dgu), new GradientCheck(be).numeric(tgu, gu, loss));
    }

    @Test
    void groupedQueryAttentionEqualsMultiHeadWithRepeatedKeysAndValues() {
        Heads gqa = new Heads(4, 2, 4);
        Heads mha = new Heads(4, 4, 4);
        int b = 2;
        int t = 5;
        float[] x = uniform(21, b * t * gqa.qkvWidth(), 1f);
        float[] repeated = new float[b * t * mha.qkvWidth()];
        for (int row = 0; row < b * t; row++) {
            int src = row * gqa.qkvWidth();
            int dst = row * mha.qkvWidth();
            System.arraycopy(x, src, repeated, dst, 16);
            for (int head = 0; head < 4; head++) {
                System.arraycopy(x, src + gqa.kOffset(head), repeated, dst + mha.kOffset(head), 4);
                System.arraycopy(x, src + gqa.vOffset(head), repeated, dst + mha.vOffset(head), 4);
            }
        }
        Tensor o1 = be.allocate("o1", b * t * 16);
        Tensor o2 = be.allocate("o2", b * t * 16);
        be.attentionForward(o1, be.allocate("att1", be.attentionStateSize(b, t, gqa)), tensor(be, "gqa", x), b, t, gqa);
        be.attentionForward(o2, be.allocate("att2", be.attentionStateSize(b, t, mha)), tensor(be, "mha", repeated), b,
                t, mha);
        assertArrayEquals(read(be, o2), read(be, o1));
    }

    @Test
    void groupedQueryAttentionGradients() {
        Heads h = new Heads(4, 2, 3);
        int b = 2;
        int t = 4;
        float[] x = uniform(22, b * t * h.qkvWidth(), 1f);
        float[] r = uniform(23, b * t * h.width(), 1f);
        Tensor tx = tensor(be, "qkv", x);
        Tensor out = be.allocate("out", b * t * h.width());
        Tensor att = be.allocate("att", be.attentionStateSize(b, t, h));
        Tensor dx = be.allocate("dqkv", x.length);
        DoubleSupplier loss = () -> {
            be.attentionForward(out, att, tx, b, t, h);
            return dot(r, read(be, out));
        };
        loss.getAsDouble();
        be.attentionBackward(dx, be.allocate("datt", be.attentionScratchSize(b, t, h)), tensor(be, "dout", r), tx, att,
                b, t, h);
        GradientCheck.assertGradient("dqkv", read(be, dx), new GradientCheck(be).numeric(tx, x, loss));
    }

    @Test
    void cachedGroupedQueryStepReproducesTheTrainingForwardRow() {
        Heads h = new Heads(6, 2, 4);
        int t = 7;
        int maxT = 9;
        float[] x = uniform(24, t * h.qkvWidth(), 1f);
        Tensor qkv = tensor(be, "qkv", x);
        Tensor full = be.allocate("full", t * h.width());
        be.attentionForward(full, be.allocate("att", be.attentionStateSize(1, t, h)), qkv, 1, t, h);
        Tensor k = be.allocate("k", 2L * h.kvWidth() * maxT);
        Tensor v = be.allocate("v", 2L * h.kvWidth() * maxT);
        be.cacheStore(k, v, be.view(qkv, "prefix", 0, (t - 1) * h.qkvWidth()), 1, t - 1, h, maxT);
        Tensor step = be.allocate("step", h.width());
        be.attentionStep(step, be.view(qkv, "last", (long) (t - 1) * h.qkvWidth(), h.qkvWidth()), k, v,
                new int[] {1}, new int[] {t - 1}, 1, h, maxT);
        float[] expected = java.util.Arrays.copyOfRange(read(be, full), (t - 1) * h.width(), t * h.width());
        assertArrayEquals(expected, read(be, step));
        assertTrue(be.attentionStateSize(1, t, h) > 0);
    }
}
