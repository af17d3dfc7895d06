package dev.cohort.trainer.internal.backend;

import static dev.cohort.trainer.internal.backend.Fixtures.assertClose;
import static dev.cohort.trainer.internal.backend.Fixtures.assertDoubled;
import static dev.cohort.trainer.internal.backend.Fixtures.dot;
import static dev.cohort.trainer.internal.backend.Fixtures.read;
import static dev.cohort.trainer.internal.backend.Fixtures.tensor;
import static dev.cohort.trainer.internal.backend.Fixtures.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AttentionTest {

    private final JavaBackend be = new JavaBackend(2);

    @AfterEach
    void close() {
        be.close();
    }

    /** Causal attention in double: out (B, T, C) and att (B, NH, T, T). */
    static double[][] naive(float[] qkv, int b, int t, int c, int nh) {
        int hs = c / nh;
        double[] out = new double[b * t * c];
        double[] att = new double[b * nh * t * t];
        for (int bb = 0; bb < b; bb++) {
            for (int h = 0; h < nh; h++) {
                for (int i = 0; i < t; i++) {
                    double[] s = new double[i + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        double d = 0;
                        for (int k = 0; k < hs; k++) {
                            d += (double) qkv[(bb * t + i) * 3 * c + h * hs + k] * qkv[(bb * t + j) * 3 * c + c + h * hs + k];
                        }
                        s[j] = d / Math.sqrt(hs);
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) {
                        s[j] = Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int j = 0; j <= i; j++) {
                        double p = s[j] / sum;
                        att[((bb * nh + h) * t + i) * t + j] = p;
                        for (int k = 0; k < hs; k++) {
                            out[(bb * t + i) * c + h * hs + k] += p * qkv[(bb * t + j) * 3 * c + 2 * c + h * hs + k];
                        }
                    }
                }
            }
        }
        return new double[][] {out, att};
    }

    @Test
    void forwardMatchesNaive() {
        int b = 2;
        int t = 7;
        int c = 12;
        int nh = 3;
        float[] qkv = uniform(1, b * t * 3 * c, 1.5f);
        Tensor out = be.allocate("out", b * t * c);
        Tensor att = tensor(be, "att", uniform(2, b * nh * t * t, 1f)); // entries above the diagonal must be zeroed
        be.attentionForward(out, att, tensor(be, "qkv", qkv), b, t, Heads.multiHead(c, nh));
        double[][] ref = naive(qkv, b, t, c, nh);
        assertClose("out", ref[0], read(be, out), 1e-5, 1e-6);
        assertClose("att", ref[1], read(be, att), 1e-5, 1e-7);
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        int b = 2;
        int t = 4;
        int c = 6;
        int nh = 2;
        float[] qkv = uniform(3, b * t * 3 * c, 1f);
        float[] r = uniform(4, b * t * c, 1f);
        Tensor tQkv = tensor(be, "qkv", qkv);
        Tensor out = be.allocate("out", b * t * c);
        Tensor att = be.allocate("att", b * nh * t * t);
        Tensor dqkv = be.allocate("dqkv", b * t * 3 * c);
        Tensor datt = be.allocate("datt", b * nh * t * t);
        Tensor dout = tensor(be, "dout", r);
        be.attentionForward(out, att, tQkv, b, t, Heads.multiHead(c, nh));
        be.attentionBackward(dqkv, datt, dout, tQkv, att, b, t, Heads.multiHead(c, nh));
        float[] g = read(be, dqkv);
        double[] numeric = new GradientCheck(be).numeric(tQkv, qkv, () -> {
            be.attentionForward(out, att, tQkv, b, t, Heads.multiHead(c, nh));
            return dot(r, read(be, out));
        });
        GradientCheck.assertGradient("dqkv", g, numeric);
        be.attentionForward(out, att, tQkv, b, t, Heads.multiHead(c, nh));
        be.attentionBackward(dqkv, datt, dout, tQkv, att, b, t, Heads.multiHead(c, nh));
        assertDoubled("dqkv", g, read(be, dqkv));
    }

    @Test
    void stepOverCacheEqualsFullAttentionRows() {
        int t = 9;
        int c = 8;
        int nh = 2;
        int maxT = 12;
        int slots = 3;
        int prefill = 4;
        float[] qkv = uniform(5, t * 3 * c, 1.5f);
        Tensor full = be.allocate("full", t * c);
        be.attentionForward(full, be.allocate("att", nh * t * t), tensor(be, "qkv", qkv), 1, t, Heads.multiHead(c, nh));
        float[] expected = read(be, full);

        Tensor kCache = be.allocate("kCache", (long) slots * maxT * c);
        Tensor vCache = be.allocate("vCache", (long) slots * maxT * c);
        int slot = 2;
        be.cacheStore(kCache, vCache, tensor(be, "prefix", Arrays.copyOf(qkv, prefill * 3 * c)), slot, prefill, Heads.multiHead(c, nh),
                maxT);
        Tensor out = be.allocate("out", c);
        for (int pos = prefill; pos < t; pos++) {
            Tensor row = tensor(be, "row", Arrays.copyOfRange(qkv, pos * 3 * c, (pos + 1) * 3 * c));
            be.attentionStep(out, row, kCache, vCache, new int[] {slot}, new int[] {pos}, 1, Heads.multiHead(c, nh), maxT);
            // the same operations in the same order as the training forward: equal bit for bit
            assertArrayEquals(Arrays.copyOfRange(expected, pos * c, (pos + 1) * c), read(be, out), "position " + pos);
        }
    }

    @Test
    void stepServesSeveralSequencesAtOnce() {
        int c = 8;
        int nh = 2;
        int maxT = 6;
        int t = 5;
        float[] a = uniform(6, t * 3 * c, 1f);
        float[] b = uniform(7, t * 3 * c, 1f);
        Tensor fullA = be.allocate("fullA", t * c);
        Tensor fullB = be.allocate("fullB", t * c);
        be.attentionForward(fullA, be.allocate("attA", nh * t * t), tensor(be, "a", a), 1, t, Heads.multiHead(c, nh));
        be.attentionForward(fullB, be.allocate("attB", nh * t * t), tensor(be, "b", b), 1, t, Heads.multiHead(c, nh));
        Tensor kCache = be.allocate("kCache", 2L * maxT * c);
        Tensor vCache = be.allocate("vCache", 2L * maxT * c);
        // sequence a in slot 1 prefilled with 4 positions, sequence b in slot 0 with 2
        be.cacheStore(kCache, vCache, tensor(be, "pa", Arrays.copyOf(a, 4 * 3 * c)), 1, 4, Heads.multiHead(c, nh), maxT);
        be.cacheStore(kCache, vCache, tensor(be, "pb", Arrays.copyOf(b, 2 * 3 * c)), 0, 2, Heads.multiHead(c, nh), maxT);
        float[] rows = new float[2 * 3 * c];
        System.arraycopy(a, 4 * 3 * c, rows, 0, 3 * c);
        System.arraycopy(b, 2 * 3 * c, rows, 3 * c, 3 * c);
        Tensor out = be.allocate("out", 2 * c);
        be.attentionStep(out, tensor(be, "rows", rows), kCache, vCache, new int[] {1, 0}, new int[] {4, 2}, 2, Heads.multiHead(c, nh),
                maxT);
        float[] got = read(be, out);
        assertArrayEquals(Arrays.copyOfRange(read(be, fullA), 4 * c, 5 * c), Arrays.copyOfRange(got, 0, c));
        assertArrayEquals(Arrays.copyOfRange(read(be, fullB), 2 * c, 3 * c), Arrays.copyOfRange(got, c, 2 * c));
    }

    @Test
    void probabilitiesAreCausalAndNormalised() {
        int t = 5;
        int nh = 1;
        Tensor att = be.allocate("att", t * t);
        be.attentionForward(be.allocate("out", t * 4), att, tensor(be, "qkv", uniform(8, t * 12, 2f)), 1, t, Heads.multiHead(4, nh));
        float[] p = read(be, att);
        for (int i = 0; i < t; i++) {
            double sum = 0;
            for (int j = 0; j < t; j++) {
                if (j > i) {
                    assertEquals(0f, p[i * t + j], "above the diagonal");
                }
                sum += p[i * t + j];
            }
            assertEquals(1.0, sum, 1e-6);
        }
    }
}
