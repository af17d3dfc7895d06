package dev.cohort.trainer.internal.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The LoRA ops against their definitions written out as double loops (PEFT's
 * {@code lora_B(lora_A(x)) * scaling} added to columns of a frozen product), and dropout's mask
 * shared by forward and backward.
 */
class LoraOpsTest {

    private static final int N = 9;
    private static final int C = 7;
    private static final int R = 3;
    private static final int OC = 5;
    private static final int LDO = 13;
    private static final int COL = 4;
    private static final float SCALE = 2.5f;

    @Test
    void forwardAddsTheScaledProductToItsColumnsOnly() {
        try (JavaBackend be = new JavaBackend(2)) {
            Random rnd = new Random(1);
            float[] x = random(rnd, N * C);
            float[] a = random(rnd, R * C);
            float[] b = random(rnd, OC * R);
            float[] out0 = random(rnd, N * LDO);
            Tensor out = tensor(be, out0);
            Tensor h = be.allocate("h", N * R);
            be.loraForward(out, LDO, COL, h, tensor(be, x), tensor(be, a), tensor(be, b), N, C, R, OC, SCALE);
            float[] got = new float[N * LDO];
            be.read(out, got);
            for (int i = 0; i < N; i++) {
                for (int j = 0; j < LDO; j++) {
                    double want = out0[i * LDO + j];
                    if (j >= COL && j < COL + OC) {
                        for (int k = 0; k < R; k++) {
                            want += SCALE * hidden(x, a, i, k) * b[(j - COL) * R + k];
                        }
                    }
                    assertEquals(want, got[i * LDO + j], 1e-5, "out[" + i + "," + j + "]");
                }
            }
        }
    }

    @Test
    void backwardAccumulatesTheChainRule() {
        try (JavaBackend be = new JavaBackend(2)) {
            Random rnd = new Random(2);
            float[] x = random(rnd, N * C);
            float[] a = random(rnd, R * C);
            float[] b = random(rnd, OC * R);
            float[] dout = random(rnd, N * LDO);
            float[] da0 = random(rnd, R * C);
            float[] db0 = random(rnd, OC * R);
            float[] dx0 = random(rnd, N * C);
            Tensor h = be.allocate("h", N * R);
            Tensor out = be.allocate("out", N * LDO);
            Tensor xt = tensor(be, x);
            Tensor at = tensor(be, a);
            Tensor bt = tensor(be, b);
            be.loraForward(out, LDO, COL, h, xt, at, bt, N, C, R, OC, SCALE);
            Tensor da = tensor(be, da0);
            Tensor db = tensor(be, db0);
            Tensor dx = tensor(be, dx0);
            be.loraBackward(dx, da, db, be.allocate("dh", N * R), tensor(be, dout), LDO, COL, xt, h, at, bt, N, C, R,
                    OC, SCALE);
            double[] dhWant = new double[N * R]; // d loss / d(x A^T), loss = sum dout * out
            for (int i = 0; i < N; i++) {
                for (int k = 0; k < R; k++) {
                    for (int j = 0; j < OC; j++) {
                        dhWant[i * R + k] += SCALE * dout[i * LDO + COL + j] * b[j * R + k];
                    }
                }
            }
            float[] got = read(be, db);
            for (int j = 0; j < OC; j++) {
                for (int k = 0; k < R; k++) {
                    double want = db0[j * R + k];
                    for (int i = 0; i < N; i++) {
                        want += dout[i * LDO + COL + j] * SCALE * hidden(x, a, i, k);
                    }
                    assertEquals(want, got[j * R + k], 1e-4, "dB[" + j + "," + k + "]");
                }
            }
            got = read(be, da);
            for (int k = 0; k < R; k++) {
                for (int c = 0; c < C; c++) {
                    double want = da0[k * C + c];
                    for (int i = 0; i < N; i++) {
                        want += dhWant[i * R + k] * x[i * C + c];
                    }
                    assertEquals(want, got[k * C + c], 1e-4, "dA[" + k + "," + c + "]");
                }
            }
            got = read(be, dx);
            for (int i = 0; i < N; i++) {
                for (int c = 0; c < C; c++) {
                    double want = dx0[i * C + c];
                    for (int k = 0; k < R; k++) {
                        want += dhWant[i * R + k] * a[k * C + c];
                    }
                    assertEquals(want, got[i * C + c], 1e-4, "dinp[" + i + "," + c + "]");
                }
            }
        }
    }

    @Test
    void dropoutKeepsAboutOneMinusPAndItsBackwardUsesTheSameMask() {
        try (JavaBackend be = new JavaBackend(2)) {
            int n = 20_000;
            float p = 0.25f;
            float[] x = new float[n];
            java.util.Arrays.fill(x, 1f);
            Tensor out = be.allocate("out", n);
            be.dropoutForward(out, tensor(be, x), n, p, 77L);
            float[] y = read(be, out);
            Tensor dx = be.allocate("dx", n);
            be.dropoutBackward(dx, tensor(be, x), n, p, 77L);
            assertArrayEquals(y, read(be, dx), "the backward's mask is the forward's");
            int kept = 0;
            for (float v : y) {
                assertTrue(v == 0f || v == 1f / (1f - p), "inverted dropout scales kept values by 1/(1-p): " + v);
                kept += v == 0f ? 0 : 1;
            }
            assertEquals(0.75, kept / (double) n, 0.015); // 5 standard deviations of a binomial(20000, 0.75)
            be.dropoutForward(out, tensor(be, x), n, p, 78L);
            assertTrue(!java.util.Arrays.equals(y, read(be, out)), "another seed draws another mask");
        }
    }

    @Test
    void shapesAreChecked() {
        try (JavaBackend be = new JavaBackend(1)) {
            Tensor t = be.allocate("t", 1000);
            String m = assertThrows(IllegalArgumentException.class,
                    () -> be.loraForward(t, 10, 8, t, t, t, t, 2, 3, 2, 4, 1f)).getMessage();
            assertEquals("loraForward: columns [8, 12) are outside the 10 columns of out", m);
        }
    }

    private static double hidden(float[] x, float[] a, int i, int k) {
        double s = 0;
        for (int c = 0; c < C; c++) {
            s += (double) x[i * C + c] * a[k * C + c];
        }
        return s;
    }

    private static float[] random(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    private static Tensor tensor(Backend be, float[] v) {
        Tensor t = be.allocate("t", v.length);
        be.write(t, v);
        return t;
    }

    private static float[] read(Backend be, Tensor t) {
        float[] v = new float[(int) t.size()];
        be.read(t, v);
        return v;
    }
}
