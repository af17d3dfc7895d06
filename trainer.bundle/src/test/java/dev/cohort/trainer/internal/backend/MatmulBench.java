package dev.cohort.trainer.internal.backend;

import dev.cohort.trainer.internal.backend.Backend.Layout;
import java.util.Arrays;
import java.util.Random;

/**
 * Times the matmul op (forward, and backward = dinp + dweight + dbias) with the plain kernel
 * ({@link Gemm}) and the Vector API one ({@link VectorGemm}: run with {@code --add-modules
 * jdk.incubator.vector}) in the same run, at
 * the products of GPT-2 124M and of a Qwen2.5-0.5B layer with N = 256 rows. Per shape, the two
 * take turns (which goes first alternates), so outside load falls on both; it prints medians, the
 * new/old time ratio and the largest difference between their outputs relative to the output's
 * largest magnitude. Not a test; run with
 * {@code java --add-modules jdk.incubator.vector -cp target/classes:target/test-classes
 * dev.cohort.trainer.internal.backend.MatmulBench [threads] [reps] [gpt2|qwen|all] [kb jb]} (kb, jb:
 * the vector kernel's tile).
 * A forward is 2*N*C*OC flops, a backward 4*N*C*OC (the bias sum is noise).
 */
public final class MatmulBench {

    private static final Object[][] GPT2 = {
        {"gpt2 attn.qkv", 768, 2304, Layout.IN_OUT, true},
        {"gpt2 attn.proj", 768, 768, Layout.IN_OUT, true},
        {"gpt2 mlp.fc", 768, 3072, Layout.IN_OUT, true},
        {"gpt2 mlp.proj", 3072, 768, Layout.IN_OUT, true},
        {"gpt2 lm_head", 768, 50257, Layout.OUT_IN, false},
    };
    private static final Object[][] QWEN = {
        {"qwen qkv", 896, 1152, Layout.OUT_IN, true},
        {"qwen o_proj", 896, 896, Layout.OUT_IN, false},
        {"qwen gate+up", 896, 9728, Layout.OUT_IN, false},
        {"qwen down", 4864, 896, Layout.OUT_IN, false},
        {"qwen lm_head", 896, 151936, Layout.OUT_IN, false},
    };

    private MatmulBench() {
    }

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        String set = args.length > 2 ? args[2] : "all";
        int n = 4 * 64;
        System.out.printf("matmul op, old (Gemm, plain) vs new (VectorGemm) kernel, %d threads, N = %d, median of %d after 2 warm-up"
                + " runs, %s %s%n", threads, n, reps, System.getProperty("java.vm.name"),
                System.getProperty("java.version"));
        System.out.printf("%-15s %6s %6s %-7s | %8s %8s %6s %7s | %8s %8s %6s %7s | %8s%n", "shape", "C", "OC", "layout",
                "fwd old", "fwd new", "GF/s", "new/old", "bwd old", "bwd new", "GF/s", "new/old", "max diff");
        try (ComputePool pool = new ComputePool(threads)) {
            Matmul old = new Matmul(new Gemm(pool));
            Matmul neu = args.length > 4
                    ? new Matmul(new VectorGemm(pool, Integer.parseInt(args[3]), Integer.parseInt(args[4])))
                    : new Matmul(new VectorGemm(pool));
            for (Object[] s : shapes(set)) {
                bench(old, neu, s, n, reps);
            }
        }
    }

    private static Object[][] shapes(String set) {
        switch (set) {
            case "gpt2":
                return GPT2;
            case "qwen":
                return QWEN;
            case "all":
                Object[][] all = Arrays.copyOf(GPT2, GPT2.length + QWEN.length);
                System.arraycopy(QWEN, 0, all, GPT2.length, QWEN.length);
                return all;
            default:
                throw new IllegalArgumentException("shape set must be gpt2, qwen or all, got " + set);
        }
    }

    private static void bench(Matmul old, Matmul neu, Object[] s, int n, int reps) {
        int c = (Integer) s[1];
        int oc = (Integer) s[2];
        Layout layout = (Layout) s[3];
        boolean withBias = (Boolean) s[4];
        Operands[] ops = {new Operands(n, c, oc, withBias), new Operands(n, c, oc, withBias)};
        Matmul[] impl = {old, neu};
        long[][] fwd = new long[2][reps];
        long[][] bwd = new long[2][reps];
        for (int r = -2; r < reps; r++) {
            for (int turn = 0; turn < 2; turn++) {
                int which = (r + turn) & 1;
                long[] t = ops[which].time(impl[which], n, c, oc, layout);
                if (r >= 0) {
                    fwd[which][r] = t[0];
                    bwd[which][r] = t[1];
                }
            }
        }
        double flops = 2.0 * n * c * oc;
        double fo = median(fwd[0]);
        double fn = median(fwd[1]);
        double bo = median(bwd[0]);
        double bn = median(bwd[1]);
        System.out.printf("%-15s %6d %6d %-7s | %8.2f %8.2f %6.1f %7.2f | %8.2f %8.2f %6.1f %7.2f | %8.1e%n", s[0], c,
                oc, layout, fo / 1e6, fn / 1e6, flops / fn, fn / fo, bo / 1e6, bn / 1e6, 2 * flops / bn, bn / bo,
                ops[0].maxDiff(ops[1]));
    }

    /** One implementation's tensors: the same random inputs for both, separate outputs and gradients. */
    private static final class Operands {
        final ArrayTensor inp;
        final ArrayTensor w;
        final ArrayTensor bias;
        final ArrayTensor out;
        final ArrayTensor dout;
        final ArrayTensor dinp;
        final ArrayTensor dw;
        final ArrayTensor db;

        Operands(int n, int c, int oc, boolean withBias) {
            inp = random("inp", (long) n * c, 1);
            w = random("w", (long) c * oc, 2);
            bias = withBias ? random("bias", oc, 3) : null;
            out = zeros("out", (long) n * oc);
            dout = random("dout", (long) n * oc, 4);
            dinp = zeros("dinp", (long) n * c);
            dw = zeros("dw", (long) c * oc);
            db = withBias ? zeros("db", oc) : null;
        }

        /** Forward and backward nanoseconds; the gradients are zeroed first (outside the clock). */
        long[] time(Matmul m, int n, int c, int oc, Layout layout) {
            Arrays.fill(dinp.data, 0f);
            Arrays.fill(dw.data, 0f);
            long t0 = System.nanoTime();
            m.forward(out, inp, w, bias, n, c, oc, layout);
            long t1 = System.nanoTime();
            m.backward(dinp, dw, db, dout, inp, w, n, c, oc, layout);
            long t2 = System.nanoTime();
            return new long[] {t1 - t0, t2 - t1};
        }

        /** Largest |x - y| / max |x| over out, dinp and dw. */
        double maxDiff(Operands o) {
            return Math.max(diff(out, o.out), Math.max(diff(dinp, o.dinp), diff(dw, o.dw)));
        }

        private static double diff(ArrayTensor x, ArrayTensor y) {
            double d = 0;
            double m = 0;
            for (int i = 0; i < x.data.length; i++) {
                d = Math.max(d, Math.abs(x.data[i] - y.data[i]));
                m = Math.max(m, Math.abs(x.data[i]));
            }
            return m == 0 ? d : d / m;
        }
    }

    private static ArrayTensor random(String name, long size, long seed) {
        float[] v = new float[(int) size];
        Random r = new Random(seed);
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextFloat() - 0.5f;
        }
        return new ArrayTensor(name, new int[] {(int) size}, v, 0);
    }

    private static ArrayTensor zeros(String name, long size) {
        return new ArrayTensor(name, new int[] {(int) size}, new float[(int) size], 0);
    }

    private static double median(long[] t) {
        long[] s = t.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
    }
}
