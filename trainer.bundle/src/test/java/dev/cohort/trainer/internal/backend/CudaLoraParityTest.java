package dev.cohort.trainer.internal.backend;

import static dev.cohort.trainer.internal.backend.CudaTwins.uniform;

import dev.cohort.trainer.internal.backend.Backend.Layout;
import dev.cohort.trainer.internal.backend.CudaBackend.Gemm;
import dev.cohort.trainer.internal.backend.CudaBackend.Precision;
import dev.cohort.trainer.internal.backend.CudaTwins.Twin;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * LoRA's ops on the CUDA backend against the Java backend on the same inputs: the adapter's
 * forward and backward on columns of a fused product (cuBLAS and the own GEMM, fp32; cuBLAS in
 * TF32), the frozen base's backward (no weight gradient), and dropout, whose mask must be the
 * Java backend's bit for bit (the same SplitMix64 hash of seed and index). Runs where a CUDA device
 * is present, else reported as skipped with the reason. Tolerances as CudaParityTest's: fp32
 * products 1e-4 absolute on outputs, 1e-3 relative to the tensor's largest entry on gradients;
 * TF32 5e-3 / 1e-2; dropout exact.
 */
class CudaLoraParityTest extends CudaOpParity {

    @ParameterizedTest
    @EnumSource(value = Gemm.class, names = {"OWN", "CUBLAS"})
    void loraFp32(Gemm gemm) {
        open(CudaBackend.Options.defaults().with(gemm));
        SplittableRandom r = new SplittableRandom(40);
        // k_proj of a fused qkv (q 896 | k 128 | v 128), rank 16; all of an o_proj-like output, rank 32
        lora(r, 150, 896, 16, 128, 1152, 896, ABS, REL, true);
        lora(r, 150, 896, 16, 128, 1152, 896, ABS, REL, false);
        lora(r, 37, 200, 32, 300, 300, 0, ABS, REL, true);
        lora(r, 5, 23, 1, 7, 31, 24, ABS, REL, true);
    }

    @Test
    void loraTf32() {
        open(CudaBackend.Options.defaults().with(Gemm.CUBLAS).with(Precision.TF32));
        lora(new SplittableRandom(41), 256, 896, 32, 896, 896, 0, 5e-3, 1e-2, true);
    }

    private void lora(SplittableRandom r, int n, int c, int rank, int oc, int ldo, int col, double abs, double rel,
            boolean withDinp) {
        String at = " (" + n + " x " + c + ", rank " + rank + ", columns [" + col + ", " + (col + oc) + ") of " + ldo
                + (withDinp ? ")" : ", no dinp)");
        float scale = 2f;
        Twin inp = twins.of("inp", uniform(r, (long) n * c, -1, 1));
        Twin a = twins.of("a", uniform(r, (long) rank * c, -0.1, 0.1));
        Twin b = twins.of("b", uniform(r, (long) oc * rank, -0.1, 0.1));
        Twin out = twins.of("out", uniform(r, (long) n * ldo, -1, 1));
        Twin h = twins.zeros("h", (long) n * rank);
        java.loraForward(out.j, ldo, col, h.j, inp.j, a.j, b.j, n, c, rank, oc, scale);
        cuda.loraForward(out.c, ldo, col, h.c, inp.c, a.c, b.c, n, c, rank, oc, scale);
        h.assertAbs("lora h" + at, abs);
        out.assertAbs("lora out" + at, abs);
        Twin dout = twins.of("dout", uniform(r, (long) n * ldo, -1, 1));
        Twin dinp = twins.of("dinp", uniform(r, (long) n * c, -1, 1));
        Twin da = twins.of("da", uniform(r, (long) rank * c, -1, 1));
        Twin db = twins.of("db", uniform(r, (long) oc * rank, -1, 1));
        Twin dh = twins.zeros("dh", (long) n * rank);
        java.loraBackward(withDinp ? dinp.j : null, da.j, db.j, dh.j, dout.j, ldo, col, inp.j, h.j, a.j, b.j, n, c,
                rank, oc, scale);
        cuda.loraBackward(withDinp ? dinp.c : null, da.c, db.c, dh.c, dout.c, ldo, col, inp.c, h.c, a.c, b.c, n, c,
                rank, oc, scale);
        dh.assertRel("lora dh" + at, rel);
        da.assertRel("lora dA" + at, rel);
        db.assertRel("lora dB" + at, rel);
        dinp.assertRel("lora dinp" + at, withDinp ? rel : 0);
    }

    @Test
    void frozenBaseBackward() {
        // LoRA's base weight is frozen: matmulBackward with no weight gradient still gives dinp
        open(CudaBackend.Options.defaults());
        SplittableRandom r = new SplittableRandom(42);
        int n = 64;
        int c = 200;
        int oc = 300;
        for (Layout layout : Layout.values()) {
            Twin dinp = twins.of("dinp", uniform(r, (long) n * c, -1, 1));
            Twin dout = twins.of("dout", uniform(r, (long) n * oc, -1, 1));
            Twin inp = twins.of("inp", uniform(r, (long) n * c, -1, 1));
            Twin w = twins.of("w", uniform(r, (long) c * oc, -0.1, 0.1));
            java.matmulBackward(dinp.j, null, null, dout.j, inp.j, w.j, n, c, oc, layout);
            cuda.matmulBackward(dinp.c, null, null, dout.c, inp.c, w.c, n, c, oc, layout);
            dinp.assertRel("frozen matmulBackward dinp (" + layout + ")", REL);
        }
    }

    @Test
    void dropoutMaskIsTheJavaBackendsBitForBit() {
        open(CudaBackend.Options.defaults());
        SplittableRandom r = new SplittableRandom(43);
        int n = 1_000_003;
        for (float p : new float[] {0.05f, 0.1f, 0.5f}) {
            for (long seed : new long[] {7, -3, 0x123456789ABCDEFL}) {
                String at = " (p " + p + ", seed " + seed + ")";
                Twin inp = twins.of("inp", uniform(r, n, -3, 3));
                Twin out = twins.zeros("out", n);
                java.dropoutForward(out.j, inp.j, n, p, seed);
                cuda.dropoutForward(out.c, inp.c, n, p, seed);
                out.assertAbs("dropout forward" + at, 0);
                Twin dinp = twins.of("dinp", uniform(r, n, -1, 1));
                java.dropoutBackward(dinp.j, inp.j, n, p, seed);
                cuda.dropoutBackward(dinp.c, inp.c, n, p, seed);
                dinp.assertAbs("dropout backward, accumulated" + at, 0);
            }
        }
    }
}
