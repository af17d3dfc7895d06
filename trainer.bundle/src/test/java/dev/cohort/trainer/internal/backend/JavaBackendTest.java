package dev.cohort.trainer.internal.backend;

import static dev.cohort.trainer.internal.backend.Fixtures.read;
import static dev.cohort.trainer.internal.backend.Fixtures.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.trainer.internal.backend.Backend.Layout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Tensors, views and argument errors. */
class JavaBackendTest {

    private final JavaBackend be = new JavaBackend(2);

    @AfterEach
    void close() {
        be.close();
    }

    private static void assertMessage(Executable call, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' should contain '" + p + "'");
        }
    }

    @Test
    void allocateRejectsSizesBeyondOneJavaArray() {
        assertMessage(() -> be.allocate("huge", Integer.MAX_VALUE - 7L), "huge", "2147483640", "2147483639");
        assertMessage(() -> be.allocate("neg", -1), "neg");
        Tensor t = be.allocate("t", 5);
        assertArrayEquals(new int[] {5}, t.shape());
        assertArrayEquals(new float[5], read(be, t), "zero-filled");
    }

    @Test
    void viewsShareStorage() {
        Tensor base = tensor(be, "base", new float[] {0, 1, 2, 3, 4, 5, 6, 7});
        Tensor v = be.view(base, "v", 2, 2, 2);
        assertArrayEquals(new int[] {2, 2}, v.shape());
        assertArrayEquals(new float[] {2, 3, 4, 5}, read(be, v));
        Tensor vv = be.view(v, "vv", 1, 2);
        be.write(vv, new float[] {30, 40});
        assertArrayEquals(new float[] {0, 1, 2, 30, 40, 5, 6, 7}, read(be, base));
        be.zero(v);
        assertArrayEquals(new float[] {0, 1, 0, 0, 0, 0, 6, 7}, read(be, base));
        assertMessage(() -> be.view(base, "tooFar", 6, 3), "tooFar", "'base'", "8", "9");
        assertMessage(() -> be.view(v, "beyondView", 2, 3), "beyondView", "'v'", "4", "5");
    }

    @Test
    void writeAndReadCheckSizes() {
        Tensor t = be.allocate("weights", 4);
        assertMessage(() -> be.write(t, new float[3]), "'weights'", "4", "3");
        assertMessage(() -> be.read(t, new float[5]), "'weights'", "4", "5");
    }

    @Test
    void tooSmallTensorsAreNamedWithBothSizes() {
        Tensor inp = be.allocate("inp", 6);
        Tensor w = be.allocate("w", 6);
        Tensor small = be.allocate("smallOut", 5);
        assertMessage(() -> be.matmulForward(small, inp, w, null, 2, 3, 3, Layout.IN_OUT), "'smallOut'", "5", "6",
                "out");
        assertMessage(() -> be.matmulForward(be.allocate("out", 6), inp, be.allocate("w4", 4), null, 2, 3, 3,
                Layout.OUT_IN), "'w4'", "4", "9");
        assertMessage(() -> be.layerNormForward(be.allocate("o", 6), be.allocate("mean1", 1), be.allocate("r", 2), inp,
                be.allocate("lw", 3), be.allocate("lb", 3), 2, 3, 1e-5f), "'mean1'", "1", "2");
        assertMessage(() -> be.attentionForward(be.allocate("o", 8), be.allocate("att", 3), be.allocate("qkv", 24), 1,
                2, Heads.multiHead(4, 2)), "'att'", "3", "8");
        assertMessage(() -> be.accumulate(be.allocate("dst", 4), be.allocate("src", 3)), "'src'", "3", "4");
    }

    @Test
    void badIdsAndArgumentsAreNamed() {
        Tensor wte = be.allocate("wte", 6);
        Tensor wpe = be.allocate("wpe", 6);
        assertMessage(() -> be.embeddingForward(be.allocate("o", 6), new int[] {0, 3}, new int[] {0, 1}, 2, wte, wpe, 3),
                "tokens[1] = 3", "'wte'");
        assertMessage(() -> be.attentionForward(be.allocate("o", 9), be.allocate("a", 9), be.allocate("q", 27), 1, 1,
                Heads.multiHead(9, 2)), "C = 9", "NH = 2");
        assertMessage(() -> be.tokenLogprobs(new float[1], null, be.allocate("l", 4), new int[] {4}, 1, 4, 1f),
                "targets[0] = 4");
        assertMessage(() -> be.tokenLogprobs(new float[1], null, be.allocate("l", 4), new int[] {0}, 1, 4, 0f),
                "temperature");
        assertMessage(() -> be.sample(new int[1], new float[1], new float[1], be.allocate("l", 4), 1, 4, 1f, 0, 0f, 0f,
                new long[1]), "topP");
        assertMessage(() -> be.sample(new int[2], new float[2], new float[2], be.allocate("l", 4), 2, 2, 1f, 0, 1f, 0f,
                new long[1]), "rng", "1", "2");
        Tensor cache = be.allocate("kCache", 2 * 4 * 8);
        assertMessage(() -> be.attentionStep(be.allocate("o", 8), be.allocate("q", 24), cache, be.allocate("v", 64),
                new int[] {2}, new int[] {0}, 1, Heads.multiHead(8, 2), 4), "slots[0] = 2", "'kCache'");
        assertMessage(() -> be.cacheStore(cache, be.allocate("v", 64), be.allocate("q", 5 * 24), 0, 5, Heads.multiHead(8, 2), 4), "maxT");
    }

    @Test
    void residualLayerNormIsTheResidualAddThenTheLayerNorm() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(11);
        int n = 5, c = 12;
        float[] a = new float[n * c];
        float[] b = new float[n * c];
        float[] w = new float[c];
        float[] bias = new float[c];
        for (float[] v : new float[][] {a, b, w, bias}) {
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (r.nextDouble() * 4 - 2);
            }
        }
        // the two ops
        Tensor sum = be.allocate("sum", n * c);
        Tensor out = be.allocate("out", n * c);
        Tensor mean = be.allocate("mean", n);
        Tensor rstd = be.allocate("rstd", n);
        Tensor wt = tensor(be, "w", w);
        Tensor bt = tensor(be, "b", bias);
        be.residualForward(sum, tensor(be, "a", a), tensor(be, "b", b), (long) n * c);
        be.layerNormForward(out, mean, rstd, sum, wt, bt, n, c, 1e-5f);
        // the fused op, in place on a (as the sampler calls it)
        Tensor x = tensor(be, "x", a);
        Tensor out2 = be.allocate("out2", n * c);
        Tensor mean2 = be.allocate("mean2", n);
        Tensor rstd2 = be.allocate("rstd2", n);
        be.residualLayerNormForward(x, x, tensor(be, "b2", b), out2, mean2, rstd2, wt, bt, n, c, 1e-5f);
        assertArrayEquals(read(be, sum), read(be, x), "residual");
        assertArrayEquals(read(be, out), read(be, out2), "normalised");
        assertArrayEquals(read(be, mean), read(be, mean2), "mean");
        assertArrayEquals(read(be, rstd), read(be, rstd2), "rstd");
        assertMessage(() -> be.residualLayerNormForward(x, x, be.allocate("short", n * c - 1), out2, mean2, rstd2, wt,
                bt, n, c, 1e-5f), "residualLayerNormForward b", "'short'");
    }

    @Test
    void tensorsOfAnotherBackendAreRejected() {
        Tensor foreign = new Tensor("foreign", new int[] {4}) { };
        assertMessage(() -> be.zero(foreign), "'foreign'", "Java backend");
    }

    @Test
    void aClosedBackendRefusesWork() {
        Tensor t = be.allocate("t", 1 << 20);
        be.close();
        be.close();
        assertThrows(IllegalStateException.class, () -> be.scale(t, 2f));
        assertEquals("java", be.name());
    }
}
