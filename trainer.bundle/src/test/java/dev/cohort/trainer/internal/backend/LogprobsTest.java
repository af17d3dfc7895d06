package dev.cohort.trainer.internal.backend;

import static dev.cohort.trainer.internal.backend.Fixtures.assertClose;
import static dev.cohort.trainer.internal.backend.Fixtures.read;
import static dev.cohort.trainer.internal.backend.Fixtures.tensor;
import static dev.cohort.trainer.internal.backend.Fixtures.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LogprobsTest {

    private final JavaBackend be = new JavaBackend(2);

    @AfterEach
    void close() {
        be.close();
    }

    /** log softmax(x / t) of one row, in double. */
    static double[] logSoftmax(float[] x, int off, int v, double t) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < v; i++) {
            max = Math.max(max, x[off + i] / t);
        }
        double sum = 0;
        for (int i = 0; i < v; i++) {
            sum += Math.exp(x[off + i] / t - max);
        }
        double[] lp = new double[v];
        for (int i = 0; i < v; i++) {
            lp[i] = x[off + i] / t - max - Math.log(sum);
        }
        return lp;
    }

    @Test
    void matchesDoubleLogSoftmaxAndEntropy() {
        int n = 4;
        int v = 1000;
        float t = 0.7f;
        float[] x = uniform(1, n * v, 8f);
        x[5] = 60f; // a dominant logit: exp(x/t) would overflow without the max shift
        int[] targets = {5, 999, -1, 0};
        float[] lp = new float[n];
        float[] h = new float[n];
        be.tokenLogprobs(lp, h, tensor(be, "logits", x), targets, n, v, t);
        for (int r = 0; r < n; r++) {
            if (targets[r] < 0) {
                assertEquals(0f, lp[r], "skipped row");
                assertEquals(0f, h[r], "skipped row");
                continue;
            }
            double[] ref = logSoftmax(x, r * v, v, t);
            double entropy = 0;
            for (double l : ref) {
                entropy -= Math.exp(l) * l;
            }
            assertEquals(ref[targets[r]], lp[r], 1e-5 * Math.max(1, Math.abs(ref[targets[r]])), "logprob of row " + r);
            assertEquals(entropy, h[r], 1e-5 * Math.max(1, entropy), "entropy of row " + r);
        }
        float[] withoutEntropy = new float[n];
        be.tokenLogprobs(withoutEntropy, null, tensor(be, "logits2", x), targets, n, v, t);
        assertArrayEquals(lp, withoutEntropy);
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        int n = 3;
        int v = 9;
        float t = 0.8f;
        float[] x = uniform(2, n * v, 2f);
        int[] targets = {3, -1, 8};
        float[] g = uniform(3, n, 1f);
        Tensor logits = tensor(be, "logits", x);
        Tensor dlogits = tensor(be, "dlogits", uniform(4, n * v, 1f)); // overwritten
        be.tokenLogprobsBackward(dlogits, logits, targets, g, n, v, t);
        float[] analytic = read(be, dlogits);
        float[] lp = new float[n];
        double[] numeric = new GradientCheck(be).numeric(logits, x, () -> {
            be.tokenLogprobs(lp, null, logits, targets, n, v, t);
            double l = 0;
            for (int r = 0; r < n; r++) {
                l += (double) g[r] * lp[r];
            }
            return l;
        });
        GradientCheck.assertGradient("dlogits", analytic, numeric);
        for (int i = v; i < 2 * v; i++) {
            assertEquals(0f, analytic[i], "row with target -1");
        }
        // the backward overwrites: a second call gives the same gradient, not twice it
        be.tokenLogprobsBackward(dlogits, logits, targets, g, n, v, t);
        assertArrayEquals(analytic, read(be, dlogits));
    }

    @Test
    void gradientIsExactFormula() {
        int v = 6;
        float[] x = uniform(5, v, 3f);
        Tensor dlogits = be.allocate("dlogits", v);
        be.tokenLogprobsBackward(dlogits, tensor(be, "logits", x), new int[] {2}, new float[] {1.5f}, 1, v, 2f);
        double[] lp = logSoftmax(x, 0, v, 2.0);
        double[] expected = new double[v];
        for (int i = 0; i < v; i++) {
            expected[i] = 1.5 * ((i == 2 ? 1 : 0) - Math.exp(lp[i])) / 2.0;
        }
        assertClose("dlogits", expected, read(be, dlogits), 1e-6, 1e-7);
    }
}
