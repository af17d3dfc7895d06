package dev.cohort.trainer.internal.backend;

import dev.cohort.trainer.internal.backend.Backend.Layout;
import java.util.Arrays;
import java.util.Random;

/**
 * Times matmulForward and matmulBackward at GPT-2 124M shapes (N = B*T = 4*64 rows) and prints
 * the median time and GFLOP/s of each. Not a test; run with
 * {@code java -cp target/classes:target/test-classes dev.cohort.trainer.internal.backend.MatmulBench [threads] [reps]}.
 * A forward is 2*N*C*OC flops, a backward 4*N*C*OC (dinp and dweight; the bias sum is noise).
 */
public final class MatmulBench {

    private MatmulBench() {
    }

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        int n = 4 * 64;
        Object[][] shapes = {
            {"attn.qkv  ", 768, 2304, Layout.IN_OUT},
            {"attn.proj ", 768, 768, Layout.IN_OUT},
            {"mlp.fc    ", 768, 3072, Layout.IN_OUT},
            {"mlp.proj  ", 3072, 768, Layout.IN_OUT},
            {"lm_head   ", 768, 50257, Layout.OUT_IN},
        };
        System.out.printf("JavaBackend matmul, %d threads, N = %d, median of %d (after 2 warm-up runs), %s%n", threads,
                n, reps, System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        System.out.printf("%-10s %6s %6s %-7s %10s %9s %10s %9s%n", "shape", "C", "OC", "layout", "fwd ms", "GFLOP/s",
                "bwd ms", "GFLOP/s");
        try (JavaBackend be = new JavaBackend(threads)) {
            for (Object[] s : shapes) {
                bench(be, (String) s[0], n, (Integer) s[1], (Integer) s[2], (Layout) s[3], reps);
            }
        }
    }

    private static void bench(JavaBackend be, String name, int n, int c, int oc, Layout layout, int reps) {
        Tensor inp = random(be, "inp", (long) n * c, 1);
        Tensor w = random(be, "w", (long) c * oc, 2);
        Tensor bias = layout == Layout.IN_OUT ? random(be, "bias", oc, 3) : null;
        Tensor out = be.allocate("out", (long) n * oc);
        Tensor dout = random(be, "dout", (long) n * oc, 4);
        Tensor dinp = be.allocate("dinp", (long) n * c);
        Tensor dw = be.allocate("dw", (long) c * oc);
        Tensor db = layout == Layout.IN_OUT ? be.allocate("db", oc) : null;
        long[] fwd = new long[reps];
        long[] bwd = new long[reps];
        for (int r = -2; r < reps; r++) {
            long t0 = System.nanoTime();
            be.matmulForward(out, inp, w, bias, n, c, oc, layout);
            long t1 = System.nanoTime();
            be.matmulBackward(dinp, dw, db, dout, inp, w, n, c, oc, layout);
            long t2 = System.nanoTime();
            if (r >= 0) {
                fwd[r] = t1 - t0;
                bwd[r] = t2 - t1;
            }
        }
        double flops = 2.0 * n * c * oc;
        double f = median(fwd);
        double b = median(bwd);
        System.out.printf("%-10s %6d %6d %-7s %10.2f %9.1f %10.2f %9.1f%n", name, c, oc, layout, f / 1e6, flops / f,
                b / 1e6, 2 * flops / b);
    }

    private static Tensor random(JavaBackend be, String name, long size, long seed) {
        float[] v = new float[(int) size];
        Random r = new Random(seed);
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextFloat() - 0.5f;
        }
        Tensor t = be.allocate(name, size);
        be.write(t, v);
        return t;
    }

    private static double median(long[] t) {
        long[] s = t.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
    }
}
