package dev.cohort.trainer.internal.backend;

import static dev.cohort.trainer.internal.backend.Fixtures.read;
import static dev.cohort.trainer.internal.backend.Fixtures.tensor;
import static dev.cohort.trainer.internal.backend.Fixtures.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cohort.trainer.internal.backend.Backend.Layout;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * One thread and four threads give the same bits. Every op splits its work so that each output
 * element is computed by one task with operations in a fixed order: matmul splits columns and
 * sums over k in a fixed grouping; attention splits (batch, head) pairs; layer norm and
 * embedding split rows for row-local results and columns for sums over rows; log-probs and
 * sampling split rows (each row has its own random state); element-wise ops and AdamW split
 * chunks; the sum of squares adds fixed 65536-element chunk sums in chunk order. No op depends
 * on the split, so every comparison here is exact. The sizes are large enough for every op to
 * split into four tasks.
 */
class ThreadCountTest {

    /** Runs a scenario on a backend with the given threads and returns every output it read. */
    private static List<float[]> run(int threads, Function<JavaBackend, List<float[]>> scenario) {
        try (JavaBackend be = new JavaBackend(threads)) {
            return scenario.apply(be);
        }
    }

    private static void assertSameBits(Function<JavaBackend, List<float[]>> scenario) {
        List<float[]> one = run(1, scenario);
        List<float[]> four = run(4, scenario);
        assertEquals(one.size(), four.size());
        for (int i = 0; i < one.size(); i++) {
            assertArrayEquals(one.get(i), four.get(i), "output " + i);
        }
    }

    @Test
    void matmul() {
        for (Layout layout : Layout.values()) {
            assertSameBits(be -> {
                int n = 37;
                int c = 200;
                int oc = 1100;
                Tensor inp = tensor(be, "inp", uniform(1, n * c, 1f));
                Tensor w = tensor(be, "w", uniform(2, c * oc, 1f));
                Tensor out = be.allocate("out", n * oc);
                be.matmulForward(out, inp, w, tensor(be, "b", uniform(3, oc, 1f)), n, c, oc, layout);
                Tensor dinp = be.allocate("dinp", n * c);
                Tensor dw = be.allocate("dw", c * oc);
                Tensor db = be.allocate("db", oc);
                be.matmulBackward(dinp, dw, db, tensor(be, "dout", uniform(4, n * oc, 1f)), inp, w, n, c, oc, layout);
                return List.of(read(be, out), read(be, dinp), read(be, dw), read(be, db));
            });
        }
    }

    @Test
    void attention() {
        assertSameBits(be -> {
            int b = 4;
            int t = 32;
            int c = 64;
            int nh = 4;
            Tensor qkv = tensor(be, "qkv", uniform(5, b * t * 3 * c, 1f));
            Tensor out = be.allocate("out", b * t * c);
            Tensor att = be.allocate("att", b * nh * t * t);
            be.attentionForward(out, att, qkv, b, t, Heads.multiHead(c, nh));
            Tensor dqkv = be.allocate("dqkv", b * t * 3 * c);
            Tensor datt = be.allocate("datt", b * nh * t * t);
            be.attentionBackward(dqkv, datt, tensor(be, "dout", uniform(6, b * t * c, 1f)), qkv, att, b, t, Heads.multiHead(c, nh));
            return List.of(read(be, out), read(be, att), read(be, dqkv), read(be, datt));
        });
    }

    /** Long cached sequences, so that each (sequence, head) pair is worth a task of its own. */
    @Test
    void attentionStep() {
        assertSameBits(be -> {
            int n = 4;
            int c = 128;
            int nh = 2;
            int maxT = 1024;
            Tensor kc = tensor(be, "kc", uniform(17, n * maxT * c, 1f));
            Tensor vc = tensor(be, "vc", uniform(18, n * maxT * c, 1f));
            Tensor out = be.allocate("out", n * c);
            be.attentionStep(out, tensor(be, "rows", uniform(19, n * 3 * c, 1f)), kc, vc, new int[] {3, 2, 1, 0},
                    new int[] {1000, 17, 1023, 512}, n, Heads.multiHead(c, nh), maxT);
            return List.of(read(be, out), read(be, kc), read(be, vc));
        });
    }

    @Test
    void layerNormAndEmbedding() {
        assertSameBits(be -> {
            int n = 128;
            int c = 256;
            int[] tokens = new int[n];
            int[] positions = new int[n];
            for (int i = 0; i < n; i++) {
                tokens[i] = (i * 7) % 50;
                positions[i] = i % 64;
            }
            Tensor wte = tensor(be, "wte", uniform(8, 50 * c, 1f));
            Tensor wpe = tensor(be, "wpe", uniform(9, 64 * c, 1f));
            Tensor x = be.allocate("x", n * c);
            be.embeddingForward(x, tokens, positions, n, wte, wpe, c);
            Tensor out = be.allocate("out", n * c);
            Tensor mean = be.allocate("mean", n);
            Tensor rstd = be.allocate("rstd", n);
            Tensor w = tensor(be, "w", uniform(10, c, 1f));
            be.layerNormForward(out, mean, rstd, x, w, tensor(be, "b", uniform(11, c, 1f)), n, c, 1e-5f);
            Tensor dout = tensor(be, "dout", uniform(12, n * c, 1f));
            Tensor dx = be.allocate("dx", n * c);
            Tensor dw = be.allocate("dw", c);
            Tensor db = be.allocate("db", c);
            be.layerNormBackward(dx, dw, db, dout, x, w, mean, rstd, n, c);
            Tensor dwte = be.allocate("dwte", 50 * c);
            Tensor dwpe = be.allocate("dwpe", 64 * c);
            be.embeddingBackward(dwte, dwpe, dx, tokens, positions, n, c);
            return List.of(read(be, x), read(be, out), read(be, mean), read(be, rstd), read(be, dx), read(be, dw),
                    read(be, db), read(be, dwte), read(be, dwpe));
        });
    }

    @Test
    void pointwiseSumOfSquaresAndAdamW() {
        assertSameBits(be -> {
            int n = 300_001;
            Tensor x = tensor(be, "x", uniform(13, n, 3f));
            Tensor g = be.allocate("g", n);
            be.geluForward(g, x, n);
            Tensor dx = tensor(be, "dx", uniform(14, n, 1f));
            be.geluBackward(dx, x, g, n);
            Tensor r = be.allocate("r", n);
            be.residualForward(r, x, g, n);
            be.accumulate(r, dx);
            be.scale(r, 0.3f);
            Tensor m = be.allocate("m", n);
            Tensor v = be.allocate("v", n);
            be.adamw(x, r, m, v, n, 1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, 3);
            return List.of(read(be, g), read(be, dx), read(be, r), read(be, x), read(be, m), read(be, v));
        });
    }

    @Test
    void sumOfSquares() {
        float[] x = uniform(16, 1_000_003, 2f);
        double one;
        double four;
        try (JavaBackend be = new JavaBackend(1)) {
            one = be.sumOfSquares(tensor(be, "x", x));
        }
        try (JavaBackend be = new JavaBackend(4)) {
            four = be.sumOfSquares(tensor(be, "x", x));
        }
        assertEquals(Double.doubleToRawLongBits(one), Double.doubleToRawLongBits(four), one + " vs " + four);
    }

    @Test
    void logprobsAndSampling() {
        assertSameBits(be -> {
            int n = 16;
            int v = 5000;
            Tensor logits = tensor(be, "logits", uniform(15, n * v, 6f));
            int[] targets = new int[n];
            float[] gr = new float[n];
            long[] rng = new long[n];
            for (int i = 0; i < n; i++) {
                targets[i] = i == 3 ? -1 : (i * 311) % v;
                gr[i] = 1f / (i + 1);
                rng[i] = SplitMix64.seed(99, i);
            }
            float[] lp = new float[n];
            float[] h = new float[n];
            be.tokenLogprobs(lp, h, logits, targets, n, v, 0.9f);
            Tensor dl = be.allocate("dl", n * v);
            be.tokenLogprobsBackward(dl, logits, targets, gr, n, v, 0.9f);
            List<float[]> outs = new ArrayList<>(List.of(lp, h, read(be, dl)));
            int[] tokens = new int[n];
            float[] slp = new float[n];
            float[] slp1 = new float[n];
            be.sample(tokens, slp, slp1, logits, n, v, 0.8f, 40, 0.9f, 0.01f, rng);
            float[] tok = new float[n];
            for (int i = 0; i < n; i++) {
                tok[i] = tokens[i];
            }
            outs.addAll(List.of(tok, slp, slp1));
            return outs;
        });
    }
}
