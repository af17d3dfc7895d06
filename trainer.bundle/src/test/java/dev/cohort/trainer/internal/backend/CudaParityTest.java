package dev.cohort.trainer.internal.backend;

import dev.cohort.trainer.internal.backend.CudaTwins.Twin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static dev.cohort.trainer.internal.backend.CudaParity.assertClose;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cohort.trainer.internal.backend.Backend.Layout;
import dev.cohort.trainer.internal.backend.CudaBackend.Gemm;
import dev.cohort.trainer.internal.backend.CudaBackend.Precision;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every op of the CUDA backend against the Java backend on the same inputs, for the library's own
 * matrix kernels and for cuBLAS (where it loads). Runs where a CUDA device is present; elsewhere
 * every test is reported as skipped with the probe's reason (no library, no driver, no device).
 * <p>
 * Tolerances (fp32 everywhere): forward values within 1e-4 absolute (the values here are O(1)
 * and the sums are at most a few thousand terms: float rounding stays near 1e-6, different
 * summation orders differ by a few ulps of the sum); gradients within 1e-3 relative to the
 * tensor's largest entry (they are sums over all rows, in another order, with atomics).
 */
class CudaParityTest {

    static final double ABS = 1e-4;
    static final double REL = 1e-3;

    private JavaBackend java;
    private CudaBackend cuda;
    private CudaTwins twins;

    @BeforeEach
    void device() {
        CudaParity.assumeDevice();
    }

    private void open(Gemm gemm) {
        java = new JavaBackend(Runtime.getRuntime().availableProcessors());
        CudaBackend.Options o = CudaBackend.Options.defaults().with(gemm);
        if (gemm == Gemm.CUBLAS) {
            try {
                cuda = CudaBackend.open(o);
            } catch (IllegalStateException e) {
                assumeTrue(false, "cuBLAS not loadable here: " + e.getMessage());
            }
        } else {
            cuda = CudaBackend.open(o);
        }
        twins = new CudaTwins(java, cuda);
        System.out.println("[parity] " + cuda.device() + ": " + cuda.gemmInfo());
    }

    @AfterEach
    void close() {
        if (cuda != null) {
            cuda.close();
        }
        if (java != null) {
            java.close();
        }
    }


    static float[] uniform(SplittableRandom r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        return a;
    }

    // ------------------------------------------------------------------ ops

    @ParameterizedTest
    @EnumSource(value = Gemm.class, names = {"OWN", "CUBLAS"})
    void matmul(Gemm gemm) {
        open(gemm);
        SplittableRandom r = new SplittableRandom(1);
        // odd sizes; then few rows over a deep K, which the CUDA backend splits along K (decoding)
        for (int[] shape : new int[][] {{77, 70, 131}, {64, 768, 2304}, {5, 3072, 768}}) {
            matmul(r, shape[0], shape[1], shape[2]);
        }
    }

    private void matmul(SplittableRandom r, int n, int c, int oc) {
        for (Layout layout : Layout.values()) {
            String at = " " + layout + " (" + n + " x " + c + " . " + c + " x " + oc + ")";
            Twin inp = twins.twin("inp", uniform(r, n * c, 1));
            Twin w = twins.twin("w", uniform(r, c * oc, 0.5));
            Twin bias = twins.twin("bias", uniform(r, oc, 0.5));
            Twin out = twins.twin("out", n * oc);
            java.matmulForward(out.j, inp.j, w.j, bias.j, n, c, oc, layout);
            cuda.matmulForward(out.c, inp.c, w.c, bias.c, n, c, oc, layout);
            out.assertAbs("matmul forward" + at, ABS);
            java.matmulForward(out.j, inp.j, w.j, null, n, c, oc, layout);
            cuda.matmulForward(out.c, inp.c, w.c, null, n, c, oc, layout);
            out.assertAbs("matmul forward no bias" + at, ABS);

            Twin dout = twins.twin("dout", uniform(r, n * oc, 1));
            Twin dinp = twins.twin("dinp", uniform(r, n * c, 1));
            Twin dw = twins.twin("dw", uniform(r, c * oc, 1));
            Twin db = twins.twin("db", uniform(r, oc, 1));
            java.matmulBackward(dinp.j, dw.j, db.j, dout.j, inp.j, w.j, n, c, oc, layout);
            cuda.matmulBackward(dinp.c, dw.c, db.c, dout.c, inp.c, w.c, n, c, oc, layout);
            dinp.assertRel("matmul dinp" + at, REL);
            dw.assertRel("matmul dweight" + at, REL);
            db.assertRel("matmul dbias" + at, REL);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Gemm.class, names = {"OWN", "CUBLAS"})
    void attention(Gemm gemm) {
        open(gemm);
        attentionParity("attention", new SplittableRandom(2), 3, 37, 64, 4, ABS, REL);
    }

    /**
     * Attention forward and backward on both backends: the output within {@code outTol} absolute,
     * dqkv (non-zero before: the backward adds to it) within {@code dqkvTol} relative, and the
     * probabilities within ABS when {@code compareAtt} (the fused path keeps other things in att).
     */
    private void attentionParity(String what, SplittableRandom r, int b, int t, int c, int nh, double outTol,
            double dqkvTol, boolean compareAtt) {
        Twin qkv = twins.twin("qkv", uniform(r, b * t * 3 * c, 1));
        Twin out = twins.twin("out", b * t * c);
        Twin att = twins.twin("att", (int) Math.max(java.attentionStateSize(b, t, Heads.multiHead(c, nh)),
                cuda.attentionStateSize(b, t, Heads.multiHead(c, nh))));
        java.attentionForward(out.j, att.j, qkv.j, b, t, Heads.multiHead(c, nh));
        cuda.attentionForward(out.c, att.c, qkv.c, b, t, Heads.multiHead(c, nh));
        if (compareAtt) {
            att.assertAbs(what + " probabilities", ABS);
        }
        out.assertAbs(what + " forward", outTol);
        Twin dout = twins.twin("dout", uniform(r, b * t * c, 1));
        Twin dqkv = twins.twin("dqkv", uniform(r, b * t * 3 * c, 1));
        Twin datt = twins.twin("datt", (int) Math.max(java.attentionScratchSize(b, t, Heads.multiHead(c, nh)),
                cuda.attentionScratchSize(b, t, Heads.multiHead(c, nh))));
        java.attentionBackward(dqkv.j, datt.j, dout.j, qkv.j, att.j, b, t, Heads.multiHead(c, nh));
        cuda.attentionBackward(dqkv.c, datt.c, dout.c, qkv.c, att.c, b, t, Heads.multiHead(c, nh));
        dqkv.assertRel(what + " dqkv", dqkvTol);
    }

    private void attentionParity(String what, SplittableRandom r, int b, int t, int c, int nh, double outTol,
            double dqkvTol) {
        attentionParity(what, r, b, t, c, nh, outTol, dqkvTol, true);
    }

    /**
     * Opens a Java backend and a TF32 cuBLAS backend with the opt-in {@code property} set to true
     * (restored after), skipping where cuBLAS is missing; its gemmInfo must mention {@code shown}.
     */
    private void openTf32With(String property, String shown) {
        openTf32Setting(property, "true");
        assertTrue(cuda.gemmInfo().contains(shown), cuda.gemmInfo());
    }

    /** Opens a Java backend and a TF32 cuBLAS backend with {@code property} set to {@code value}. */
    private void openTf32Setting(String property, String value) {
        java = new JavaBackend(Runtime.getRuntime().availableProcessors());
        String was = System.getProperty(property);
        System.setProperty(property, value);
        try {
            cuda = CudaBackend.open(CudaBackend.Options.defaults().with(Gemm.CUBLAS).with(Precision.TF32));
        } catch (IllegalStateException e) {
            assumeTrue(false, "cuBLAS not loadable here: " + e.getMessage());
        } finally {
            if (was == null) {
                System.clearProperty(property);
            } else {
                System.setProperty(property, was);
            }
        }
        twins = new CudaTwins(java, cuda);
    }

    @Test
    void fusedAttention() {
        // The default where it applies (CudaBackend.FUSED_ATTENTION_PROPERTY): the tiled TF32
        // attention against the Java backend's fp32, with TF32 bounds; T = 130 ends in a partial
        // tile, T = 37 is one
        openTf32With(CudaBackend.FUSED_ATTENTION_PROPERTY, "fused");
        assertEquals(2L * 2 * 130 * 65, cuda.attentionStateSize(2, 130, Heads.multiHead(128, 2)), "fused state: log-sum-exp + output");
        assertEquals(0L, cuda.attentionScratchSize(2, 130, Heads.multiHead(128, 2)), "fused scratch");
        SplittableRandom r = new SplittableRandom(9);
        attentionParity("fused attention (TF32), T 130", r, 2, 130, 128, 2, 5e-3, 1e-2, false);
        attentionParity("fused attention (TF32), T 37", r, 3, 37, 128, 2, 5e-3, 1e-2, false);
        // another head size: the materialised path
        assertEquals(3L * 4 * 37 * 37, cuda.attentionStateSize(3, 37, Heads.multiHead(64, 4)), "head size 16: probabilities");
        cuda.close();
        java.close();
        // turned off: the materialised path, in TF32
        openTf32Setting(CudaBackend.FUSED_ATTENTION_PROPERTY, "false");
        assertFalse(cuda.gemmInfo().contains("fused"), cuda.gemmInfo());
        assertEquals(2L * 2 * 130 * 130, cuda.attentionStateSize(2, 130, Heads.multiHead(128, 2)), "unfused: probabilities");
        attentionParity("materialised attention (TF32), T 130", new SplittableRandom(9), 2, 130, 128, 2, 5e-3,
                1e-2, true);
    }

    @Test
    void fewRowsGemm() {
        // Opt-in (CudaBackend.FEW_ROWS_GEMM_PROPERTY): products of a decoding step's few rows on the
        // library's own TF32 kernel, against the Java backend's fp32, with the TF32 bound of
        // reducedPrecisionErrorIsMeasured
        openTf32With(CudaBackend.FEW_ROWS_GEMM_PROPERTY, "own TF32 kernel");
        SplittableRandom r = new SplittableRandom(12);
        for (int[] shape : new int[][] {{64, 768, 2304}, {64, 3072, 768}, {5, 768, 768}, {100, 768, 3072}}) {
            int n = shape[0], c = shape[1], oc = shape[2];
            String at = " (" + n + " x " + c + " . " + c + " x " + oc + ", TF32)";
            Twin inp = twins.twin("inp", uniform(r, n * c, 1));
            Twin w = twins.twin("w", uniform(r, c * oc, 0.05));
            Twin bias = twins.twin("bias", uniform(r, oc, 0.5));
            Twin out = twins.twin("out", n * oc);
            java.matmulForward(out.j, inp.j, w.j, bias.j, n, c, oc, Layout.IN_OUT);
            cuda.matmulForward(out.c, inp.c, w.c, bias.c, n, c, oc, Layout.IN_OUT);
            out.assertAbs("few-row product" + at, 5e-3);
        }
    }

    @Test
    void bf16KvCache() {
        // Opt-in (CudaBackend.BF16_KV_CACHE_PROPERTY): keys and values rounded to bf16 in the cache
        // (relative error 2^-9) move the attention's output by a few 1e-3
        openTf32With(CudaBackend.BF16_KV_CACHE_PROPERTY, "bf16 KV cache");
        for (int[] shape : new int[][] {{64, 4, 40, 23}, {60, 4, 40, 23}, {768, 12, 300, 290}}) {
            cachedAttentionStep(shape[0], shape[1], shape[2], shape[3], false, 2e-2);
        }
    }

    @Test
    void cachedAttentionStep() {
        open(Gemm.AUTO);
        // head sizes that take float4 rows (16, 64) and one that does not (15); more positions than
        // the kernel's threads in the last case
        cachedAttentionStep(64, 4, 40, 23, true, ABS);
        cachedAttentionStep(60, 4, 40, 23, true, ABS);
        cachedAttentionStep(768, 12, 300, 290, true, ABS);
    }

    /** cacheStore and attentionStep on both backends; the caches compared where both hold floats. */
    private void cachedAttentionStep(int c, int nh, int maxT, int t, boolean compareCaches, double outTol) {
        String at = " (C " + c + ", " + nh + " heads, " + t + " positions)";
        SplittableRandom r = new SplittableRandom(3);
        int slots = 5;
        Twin k = twins.twin("k", slots * maxT * c);
        Twin v = twins.twin("v", slots * maxT * c);
        Twin prefill = twins.twin("prefill", uniform(r, t * 3 * c, 1));
        for (int s = 0; s < slots; s++) {
            java.cacheStore(k.j, v.j, prefill.j, s, t - s, Heads.multiHead(c, nh), maxT);
            cuda.cacheStore(k.c, v.c, prefill.c, s, t - s, Heads.multiHead(c, nh), maxT);
        }
        if (compareCaches) {
            k.assertAbs("cacheStore k" + at, 0);
            v.assertAbs("cacheStore v" + at, 0);
        }
        int n = 4;
        int[] slot = {4, 0, 2, 1};
        int[] pos = {t - 4, t, t - 2, t - 1};
        Twin qkv = twins.twin("qkv", uniform(r, n * 3 * c, 1));
        Twin out = twins.twin("out", n * c);
        java.attentionStep(out.j, qkv.j, k.j, v.j, slot, pos, n, Heads.multiHead(c, nh), maxT);
        cuda.attentionStep(out.c, qkv.c, k.c, v.c, slot, pos, n, Heads.multiHead(c, nh), maxT);
        out.assertAbs("attentionStep" + at, outTol);
        if (compareCaches) {
            k.assertAbs("attentionStep k cache" + at, 0);
            v.assertAbs("attentionStep v cache" + at, 0);
        }
    }

    @Test
    void layerNormAndPointwise() {
        open(Gemm.AUTO);
        SplittableRandom r = new SplittableRandom(4);
        // widths for each forward kernel variant: a block per row (128 threads: <= 128, <= 1024; 256
        // threads: <= 2048), a warp per row (any width)
        for (int c : new int[] {96, 768, 1600, 2500}) {
            layerNorm(r, c);
        }
        pointwise(r);
    }

    private void layerNorm(SplittableRandom r, int c) {
        int n = 300;
        String at = " (" + n + " x " + c + ")";
        Twin inp = twins.twin("inp", x0(r, n * c));
        Twin w = twins.twin("w", uniform(r, c, 1));
        Twin bias = twins.twin("b", uniform(r, c, 1));
        Twin out = twins.twin("out", n * c);
        Twin mean = twins.twin("mean", n);
        Twin rstd = twins.twin("rstd", n);
        java.layerNormForward(out.j, mean.j, rstd.j, inp.j, w.j, bias.j, n, c, 1e-5f);
        cuda.layerNormForward(out.c, mean.c, rstd.c, inp.c, w.c, bias.c, n, c, 1e-5f);
        out.assertAbs("layerNorm forward" + at, ABS);
        mean.assertAbs("layerNorm mean" + at, ABS);
        rstd.assertRel("layerNorm rstd" + at, 1e-5);
        // the residual add fused with the layer norm, in place as the sampler calls it
        Twin x = twins.twin("x", x0(r, n * c));
        Twin add = twins.twin("add", uniform(r, n * c, 1));
        java.residualLayerNormForward(x.j, x.j, add.j, out.j, mean.j, rstd.j, w.j, bias.j, n, c, 1e-5f);
        cuda.residualLayerNormForward(x.c, x.c, add.c, out.c, mean.c, rstd.c, w.c, bias.c, n, c, 1e-5f);
        x.assertAbs("residualLayerNorm residual" + at, 0);
        out.assertAbs("residualLayerNorm out" + at, ABS);
        mean.assertAbs("residualLayerNorm mean" + at, ABS);
        rstd.assertRel("residualLayerNorm rstd" + at, 1e-5);
        Twin dout = twins.twin("dout", uniform(r, n * c, 1));
        Twin dinp = twins.twin("dinp", uniform(r, n * c, 1));
        Twin dw = twins.twin("dw", uniform(r, c, 1));
        Twin db = twins.twin("db", uniform(r, c, 1));
        java.layerNormBackward(dinp.j, dw.j, db.j, dout.j, inp.j, w.j, mean.j, rstd.j, n, c);
        cuda.layerNormBackward(dinp.c, dw.c, db.c, dout.c, inp.c, w.c, mean.c, rstd.c, n, c);
        dinp.assertRel("layerNorm dinp" + at, REL);
        dw.assertRel("layerNorm dweight" + at, REL);
        db.assertRel("layerNorm dbias" + at, REL);
    }

    /** Values with a large mean, as in the residual stream. */
    private static float[] x0(SplittableRandom r, int n) {
        float[] x = uniform(r, n, 2);
        for (int i = 0; i < x.length; i++) {
            x[i] += 30;
        }
        return x;
    }

    private void pointwise(SplittableRandom r) {
        int m = 10_007;
        Twin a = twins.twin("a", uniform(r, m, 4));
        Twin g = twins.twin("g", m);
        java.geluForward(g.j, a.j, m);
        cuda.geluForward(g.c, a.c, m);
        g.assertAbs("gelu forward", 1e-6);
        Twin d = twins.twin("d", uniform(r, m, 1));
        Twin da = twins.twin("da", uniform(r, m, 1));
        java.geluBackward(da.j, a.j, d.j, m);
        cuda.geluBackward(da.c, a.c, d.c, m);
        da.assertAbs("gelu backward", 1e-5);
        java.residualForward(g.j, a.j, d.j, m);
        cuda.residualForward(g.c, a.c, d.c, m);
        g.assertAbs("residual", 0);
        java.accumulate(g.j, a.j);
        cuda.accumulate(g.c, a.c);
        java.scale(g.j, 0.37f);
        cuda.scale(g.c, 0.37f);
        g.assertAbs("accumulate + scale", 0);
        double sj = java.sumOfSquares(g.j);
        double sc = cuda.sumOfSquares(g.c);
        assertEquals(sj, sc, 1e-9 * sj, "sumOfSquares");
        java.zero(g.j);
        cuda.zero(g.c);
        g.assertAbs("zero", 0);
    }

    @Test
    void embeddingAndAdamW() {
        open(Gemm.AUTO);
        SplittableRandom r = new SplittableRandom(5);
        int vocab = 50, npos = 16, c = 24, n = 40;
        int[] tokens = new int[n];
        int[] positions = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = r.nextInt(vocab);
            positions[i] = i % npos;
        }
        Twin wte = twins.twin("wte", uniform(r, vocab * c, 1));
        Twin wpe = twins.twin("wpe", uniform(r, npos * c, 1));
        Twin out = twins.twin("out", n * c);
        java.embeddingForward(out.j, tokens, positions, n, wte.j, wpe.j, c);
        cuda.embeddingForward(out.c, tokens, positions, n, wte.c, wpe.c, c);
        out.assertAbs("embedding forward", 0);
        Twin dout = twins.twin("dout", uniform(r, n * c, 1));
        java.embeddingBackward(wte.j, wpe.j, dout.j, tokens, positions, n, c);
        cuda.embeddingBackward(wte.c, wpe.c, dout.c, tokens, positions, n, c);
        wte.assertAbs("embedding dwte", 1e-6);
        wpe.assertAbs("embedding dwpe", 1e-6);

        int m = 5000;
        Twin p = twins.twin("p", uniform(r, m, 1));
        Twin g = twins.twin("g", uniform(r, m, 1));
        Twin mm = twins.twin("m", m);
        Twin vv = twins.twin("v", m);
        for (int step = 1; step <= 3; step++) {
            java.adamw(p.j, g.j, mm.j, vv.j, m, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, step);
            cuda.adamw(p.c, g.c, mm.c, vv.c, m, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, step);
        }
        p.assertAbs("adamw params", 1e-6);
        mm.assertAbs("adamw m", 1e-7);
        vv.assertAbs("adamw v", 1e-7);
    }

    @Test
    void logprobsOverTheGpt2Vocabulary() {
        open(Gemm.AUTO);
        SplittableRandom r = new SplittableRandom(6);
        int n = 19, v = 50257;
        Twin logits = twins.twin("logits", uniform(r, n * v, 6));
        int[] targets = new int[n];
        for (int i = 0; i < n; i++) {
            targets[i] = i == 3 ? -1 : r.nextInt(v);
        }
        for (float temp : new float[] {1f, 0.7f}) {
            float[] lpj = new float[n];
            float[] entj = new float[n];
            float[] lpc = new float[n];
            float[] entc = new float[n];
            java.tokenLogprobs(lpj, entj, logits.j, targets, n, v, temp);
            cuda.tokenLogprobs(lpc, entc, logits.c, targets, n, v, temp);
            assertClose("logprobs T=" + temp, lpj, lpc, ABS, false);
            assertClose("entropy T=" + temp, entj, entc, ABS, false);
            float[] g = uniform(r, n, 1);
            Twin dl = twins.twin("dlogits", uniform(r, n * v, 1));
            java.tokenLogprobsBackward(dl.j, logits.j, targets, g, n, v, temp);
            cuda.tokenLogprobsBackward(dl.c, logits.c, targets, g, n, v, temp);
            dl.assertRel("dlogits T=" + temp, REL);
        }
    }

    @Test
    void samplingMatchesTheJavaSamplerDrawForDraw() {
        open(Gemm.AUTO);
        SplittableRandom r = new SplittableRandom(7);
        int n = 16, v = 50257;
        float[] x = uniform(r, n * v, 3);
        x[5 * v + 17] = x[5 * v + 99] = 40f; // a tie for the greedy row 5: the lower id wins
        Twin logits = twins.twin("logits", x);
        Object[][] settings = {
            {0f, 0, 1f, 0f}, {1f, 0, 1f, 0f}, {0.8f, 50, 1f, 0f}, {1f, 0, 0.9f, 0f}, {1.2f, 40, 0.7f, 0.05f},
            {1f, 0, 1f, 0.1f}, {0.6f, 5000, 0.95f, 0f}};
        for (Object[] s : settings) {
            float temp = (float) s[0];
            int topK = (int) s[1];
            float topP = (float) s[2];
            float minP = (float) s[3];
            long[] rngJ = new long[n];
            for (int i = 0; i < n; i++) {
                rngJ[i] = SplitMix64.seed(11, i);
            }
            long[] rngC = rngJ.clone();
            int[] tj = new int[n];
            int[] tc = new int[n];
            float[] lpj = new float[n];
            float[] lpc = new float[n];
            float[] l1j = new float[n];
            float[] l1c = new float[n];
            String what = String.format(Locale.ROOT, "sample T=%s top_k=%d top_p=%s min_p=%s", temp, topK, topP, minP);
            for (int round = 0; round < 3; round++) {
                java.sample(tj, lpj, l1j, logits.j, n, v, temp, topK, topP, minP, rngJ);
                cuda.sample(tc, lpc, l1c, logits.c, n, v, temp, topK, topP, minP, rngC);
                assertArrayEquals(tj, tc, what + ": tokens, round " + round);
                assertArrayEquals(rngJ, rngC, what + ": generator states");
                assertClose(what + " logprob", lpj, lpc, ABS, false);
                assertClose(what + " logprob T=1", l1j, l1c, ABS, false);
            }
            if (temp == 0f) {
                assertEquals(17, tc[5], "greedy tie goes to the lower id");
            }
        }
    }

    @Test
    void errorsNameTheTensorAndShapes() {
        open(Gemm.AUTO);
        Tensor small = cuda.allocate("small", 10);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> cuda.geluForward(small, small, 20));
        assertEquals(true, e.getMessage().contains("small") && e.getMessage().contains("20"), e.getMessage());
        Tensor foreign = java.allocate("foreign", 10);
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> cuda.zero(foreign));
        assertEquals(true, e.getMessage().contains("foreign"), e.getMessage());
        cuda.release(small);
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> cuda.zero(small));
        assertEquals(true, e.getMessage().contains("released"), e.getMessage());
        IllegalStateException big = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> cuda.allocate("huge", 1L << 40));
        assertEquals(true, big.getMessage().contains("cannot allocate"), big.getMessage());
        // the backend still works after a failed allocation
        Tensor ok = cuda.allocate("ok", 4);
        cuda.write(ok, new float[] {1, 2, 3, 4});
        float[] back = new float[4];
        cuda.read(ok, back);
        assertEquals("[1.0, 2.0, 3.0, 4.0]", Arrays.toString(back));
    }

    @Test
    void reducedPrecisionErrorIsMeasured() {
        // Not a parity claim: how far TF32 and BF16 tensor-core products move a matmul, for the docs.
        java = new JavaBackend(Runtime.getRuntime().availableProcessors());
        SplittableRandom r = new SplittableRandom(8);
        int n = 256, c = 768, oc = 768;
        float[] a = uniform(r, n * c, 1);
        float[] w = uniform(r, c * oc, 0.05);
        float[] ref = matmul(java, a, w, n, c, oc);
        for (Precision p : Precision.values()) {
            try (CudaBackend be = CudaBackend.open(CudaBackend.Options.defaults().with(p))) {
                float[] got = matmul(be, a, w, n, c, oc);
                double worst = 0;
                for (int i = 0; i < got.length; i++) {
                    worst = Math.max(worst, Math.abs(got[i] - ref[i]));
                }
                System.out.printf(Locale.ROOT, "[parity] matmul 256x768x768 %s (%s): worst absolute error %.3g%n", p,
                        be.gemmInfo(), worst);
                double bound = p == Precision.FP32 ? ABS : p == Precision.TF32 ? 5e-3 : 5e-2;
                assertEquals(0, worst, bound, p + " matmul error");
            }
        }
    }

    /** {@code a} (n x c) times {@code w} (c x oc, IN_OUT) on {@code be}, no bias. */
    private static float[] matmul(Backend be, float[] a, float[] w, int n, int c, int oc) {
        Tensor at = be.allocate("a", n * c);
        Tensor wt = be.allocate("w", c * oc);
        Tensor ot = be.allocate("o", n * oc);
        be.write(at, a);
        be.write(wt, w);
        be.matmulForward(ot, at, wt, null, n, c, oc, Layout.IN_OUT);
        float[] out = new float[n * oc];
        be.read(ot, out);
        return out;
    }
}
