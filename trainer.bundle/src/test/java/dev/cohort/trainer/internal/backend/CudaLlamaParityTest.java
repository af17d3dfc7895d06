package dev.cohort.trainer.internal.backend;

import static dev.cohort.trainer.internal.backend.CudaTwins.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cohort.trainer.internal.backend.CudaBackend.Gemm;
import dev.cohort.trainer.internal.backend.CudaBackend.Precision;
import dev.cohort.trainer.internal.backend.CudaTwins.Twin;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Llama family's ops on the CUDA backend against the Java backend on the same inputs: RMSNorm
 * (plain, with the residual add fused, Qwen3's per-head q/k norms), rotary embeddings, SwiGLU,
 * the embedding without learned positions, and grouped-query attention (training forward and
 * backward, materialised and fused, the KV-cache step and store, fp32 and bf16 caches). Runs
 * where a CUDA device is present, else reported as skipped with the reason. Tolerances as
 * CudaParityTest's: forward values 1e-4 absolute (rotations and the RMSNorm of O(1) values 1e-5),
 * gradients 1e-3 relative to the tensor's largest entry; TF32 (fused attention) 5e-3 / 1e-2.
 */
class CudaLlamaParityTest extends CudaOpParity {

    @Test
    void rmsNorm() {
        open(CudaBackend.Options.defaults());
        SplittableRandom r = new SplittableRandom(21);
        // a block per row with 1, 8 and 16 values per thread, then a warp per row (wider than 4096)
        for (int c : new int[] {96, 896, 3000, 5000}) {
            int n = 150;
            String at = " (" + n + " x " + c + ")";
            Twin inp = twins.of("inp", uniform(r, (long) n * c, -2, 2));
            Twin w = twins.of("w", uniform(r, c, 0.5, 1.5));
            Twin out = twins.zeros("out", (long) n * c);
            Twin rstd = twins.zeros("rstd", n);
            java.rmsNormForward(out.j, rstd.j, inp.j, w.j, n, c, 1e-6f);
            cuda.rmsNormForward(out.c, rstd.c, inp.c, w.c, n, c, 1e-6f);
            out.assertAbs("rmsNorm forward" + at, 1e-5);
            rstd.assertRel("rmsNorm rstd" + at, 1e-6);
            Twin dout = twins.of("dout", uniform(r, (long) n * c, -1, 1));
            Twin dinp = twins.of("dinp", uniform(r, (long) n * c, -1, 1));
            Twin dw = twins.of("dw", uniform(r, c, -1, 1));
            java.rmsNormBackward(dinp.j, dw.j, dout.j, inp.j, w.j, rstd.j, n, c);
            cuda.rmsNormBackward(dinp.c, dw.c, dout.c, inp.c, w.c, rstd.c, n, c);
            dinp.assertRel("rmsNorm dinp" + at, REL);
            dw.assertRel("rmsNorm dweight" + at, REL);
            // the residual add fused in front, in place as the sampler calls it
            Twin add = twins.of("add", uniform(r, (long) n * c, -1, 1));
            java.residualRmsNormForward(inp.j, inp.j, add.j, out.j, rstd.j, w.j, n, c, 1e-6f);
            cuda.residualRmsNormForward(inp.c, inp.c, add.c, out.c, rstd.c, w.c, n, c, 1e-6f);
            inp.assertAbs("residualRmsNorm residual" + at, 0);
            out.assertAbs("residualRmsNorm out" + at, 1e-5);
        }
    }

    @Test
    void headRmsNorm() {
        open(CudaBackend.Options.defaults());
        SplittableRandom r = new SplittableRandom(22);
        for (Heads h : new Heads[] {new Heads(14, 2, 64), new Heads(4, 2, 128), new Heads(4, 4, 24)}) {
            int n = 70;
            String at = " (" + n + " rows, " + h + ")";
            long rows = (long) n * h.qkvWidth();
            long stats = (long) n * (h.q() + h.kv());
            Twin qkv = twins.of("qkv", uniform(r, rows, -2, 2));
            Twin qw = twins.of("qw", uniform(r, h.size(), 0.5, 1.5));
            Twin kw = twins.of("kw", uniform(r, h.size(), -1.5, -0.5));
            Twin out = twins.zeros("out", rows);
            Twin rstd = twins.zeros("rstd", stats);
            java.headRmsNormForward(out.j, rstd.j, qkv.j, qw.j, kw.j, n, h, 1e-6f);
            cuda.headRmsNormForward(out.c, rstd.c, qkv.c, qw.c, kw.c, n, h, 1e-6f);
            out.assertAbs("headRmsNorm forward" + at, 1e-5);
            rstd.assertRel("headRmsNorm rstd" + at, 1e-6);
            Twin dout = twins.of("dout", uniform(r, rows, -1, 1));
            Twin dqkv = twins.of("dqkv", uniform(r, rows, -1, 1));
            Twin dqw = twins.of("dqw", uniform(r, h.size(), -1, 1));
            Twin dkw = twins.of("dkw", uniform(r, h.size(), -1, 1));
            java.headRmsNormBackward(dqkv.j, dqw.j, dkw.j, dout.j, qkv.j, qw.j, kw.j, rstd.j, n, h);
            cuda.headRmsNormBackward(dqkv.c, dqw.c, dkw.c, dout.c, qkv.c, qw.c, kw.c, rstd.c, n, h);
            dqkv.assertRel("headRmsNorm dqkv" + at, REL);
            dqw.assertRel("headRmsNorm dqWeight" + at, REL);
            dkw.assertRel("headRmsNorm dkWeight" + at, REL);
            // in place, as the model calls it
            java.headRmsNormForward(qkv.j, rstd.j, qkv.j, qw.j, kw.j, n, h, 1e-6f);
            cuda.headRmsNormForward(qkv.c, rstd.c, qkv.c, qw.c, kw.c, n, h, 1e-6f);
            qkv.assertAbs("headRmsNorm in place" + at, 1e-5);
        }
    }

    @Test
    void ropeAndSwiglu() {
        open(CudaBackend.Options.defaults());
        SplittableRandom r = new SplittableRandom(23);
        for (Heads h : new Heads[] {new Heads(14, 2, 64), new Heads(4, 2, 128), new Heads(3, 1, 10)}) {
            int n = 90;
            String at = " (" + n + " rows, " + h + ")";
            long rows = (long) n * h.qkvWidth();
            int[] positions = new int[n];
            for (int i = 0; i < n; i++) {
                positions[i] = i < 40 ? i : r.nextInt(32768);
            }
            float[] inv = new float[h.size() / 2];
            for (int i = 0; i < inv.length; i++) {
                inv[i] = (float) Math.pow(1e6, -2.0 * i / h.size());
            }
            Twin invFreq = twins.of("invFreq", inv);
            Twin qkv = twins.of("qkv", uniform(r, rows, -1, 1));
            Twin out = twins.zeros("out", rows);
            java.ropeForward(out.j, qkv.j, positions, invFreq.j, n, h);
            cuda.ropeForward(out.c, qkv.c, positions, invFreq.c, n, h);
            out.assertAbs("rope forward" + at, 1e-6);
            Twin dout = twins.of("dout", uniform(r, rows, -1, 1));
            Twin dqkv = twins.of("dqkv", uniform(r, rows, -1, 1));
            java.ropeBackward(dqkv.j, dout.j, positions, invFreq.j, n, h);
            cuda.ropeBackward(dqkv.c, dout.c, positions, invFreq.c, n, h);
            dqkv.assertAbs("rope backward" + at, 1e-6);
            java.ropeForward(qkv.j, qkv.j, positions, invFreq.j, n, h);
            cuda.ropeForward(qkv.c, qkv.c, positions, invFreq.c, n, h);
            qkv.assertAbs("rope in place" + at, 1e-6);
        }
        for (int width : new int[] {4864, 999}) {
            int n = 33;
            Twin gateUp = twins.of("gateUp", uniform(r, 2L * n * width, -8, 8));
            Twin out = twins.zeros("out", (long) n * width);
            java.swigluForward(out.j, gateUp.j, n, width);
            cuda.swigluForward(out.c, gateUp.c, n, width);
            out.assertAbs("swiglu forward (" + n + " x " + width + ")", 1e-5);
            Twin dout = twins.of("dout", uniform(r, (long) n * width, -1, 1));
            Twin dgu = twins.of("dgateUp", uniform(r, 2L * n * width, -1, 1));
            java.swigluBackward(dgu.j, gateUp.j, dout.j, n, width);
            cuda.swigluBackward(dgu.c, gateUp.c, dout.c, n, width);
            dgu.assertAbs("swiglu backward (" + n + " x " + width + ")", 1e-5);
        }
    }

    @Test
    void embeddingWithoutLearnedPositions() {
        open(CudaBackend.Options.defaults());
        SplittableRandom r = new SplittableRandom(24);
        int vocab = 50, c = 24, n = 40;
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = r.nextInt(vocab);
        }
        Twin wte = twins.of("wte", uniform(r, (long) vocab * c, -1, 1));
        Twin out = twins.zeros("out", (long) n * c);
        java.embeddingForward(out.j, tokens, null, n, wte.j, null, c);
        cuda.embeddingForward(out.c, tokens, null, n, wte.c, null, c);
        out.assertAbs("embedding forward without wpe", 0);
        Twin dout = twins.of("dout", uniform(r, (long) n * c, -1, 1));
        java.embeddingBackward(wte.j, null, dout.j, tokens, null, n, c);
        cuda.embeddingBackward(wte.c, null, dout.c, tokens, null, n, c);
        wte.assertAbs("embedding dwte without wpe", 1e-6);
    }

    @ParameterizedTest
    @EnumSource(value = Gemm.class, names = {"OWN", "CUBLAS"})
    void groupedQueryAttention(Gemm gemm) {
        open(CudaBackend.Options.defaults().with(gemm));
        SplittableRandom r = new SplittableRandom(25);
        GqaChecks.training(twins, "attention", r, 2, 37, new Heads(6, 2, 16), ABS, REL, true);
        GqaChecks.training(twins, "attention", r, 1, 70, new Heads(4, 1, 32), ABS, REL, true);
    }

    @Test
    void fusedGroupedQueryAttention() {
        // TF32 and cuBLAS: the fused kernels for head sizes 64 and 128, against the Java backend's fp32
        String was = System.getProperty(CudaBackend.FUSED_ATTENTION_PROPERTY);
        System.clearProperty(CudaBackend.FUSED_ATTENTION_PROPERTY);
        try {
            open(CudaBackend.Options.defaults().with(Gemm.CUBLAS).with(Precision.TF32));
        } finally {
            if (was != null) {
                System.setProperty(CudaBackend.FUSED_ATTENTION_PROPERTY, was);
            }
        }
        Heads h128 = new Heads(4, 2, 128);
        assertEquals(2L * 4 * 130 * 129, cuda.attentionStateSize(2, 130, h128), "fused state: log-sum-exp + output");
        assertEquals(0L, cuda.attentionScratchSize(2, 130, h128), "fused scratch");
        SplittableRandom r = new SplittableRandom(26);
        GqaChecks.training(twins, "fused attention (TF32)", r, 2, 130, new Heads(6, 2, 64), 5e-3, 1e-2, false);
        GqaChecks.training(twins, "fused attention (TF32)", r, 2, 130, h128, 5e-3, 1e-2, false);
        GqaChecks.training(twins, "fused attention (TF32)", r, 3, 37, new Heads(2, 2, 128), 5e-3, 1e-2, false);
    }

    @Test
    void groupedQueryCachedStep() {
        open(CudaBackend.Options.defaults());
        for (Heads h : new Heads[] {new Heads(14, 2, 64), new Heads(4, 1, 128), new Heads(6, 2, 15)}) {
            GqaChecks.cachedStep(twins, h, 300, 290, true, ABS);
        }
    }

    @Test
    void groupedQueryBf16KvCache() {
        String was = System.getProperty(CudaBackend.BF16_KV_CACHE_PROPERTY);
        System.setProperty(CudaBackend.BF16_KV_CACHE_PROPERTY, "true");
        try {
            open(CudaBackend.Options.defaults());
        } finally {
            if (was == null) {
                System.clearProperty(CudaBackend.BF16_KV_CACHE_PROPERTY);
            } else {
                System.setProperty(CudaBackend.BF16_KV_CACHE_PROPERTY, was);
            }
        }
        for (Heads h : new Heads[] {new Heads(14, 2, 64), new Heads(4, 2, 128)}) {
            GqaChecks.cachedStep(twins, h, 300, 290, false, 2e-2);
        }
    }
}
