package dev.cohort.trainer.internal.model;

import dev.cohort.trainer.internal.backend.JavaBackend;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Benchmarks of the policy model on the Java backend (not a test; run by {@code ./cohort bench}):
 * a GPT-2 124M training step (batch 4 x 64 tokens, forward + log-probs + backward + AdamW, fp32)
 * and sampling throughput (16 sequences x 64 new tokens) for GPT-2 124M and a small model, with
 * the peak heap of each; then a Qwen2.5-0.5B-shaped model (ModelConfig.named("qwen2.5-0.5b"),
 * random weights): forward + log-probs + backward at batch 1 x 256 (no optimizer step: its
 * parameters, gradients and two moments would need 8 GB of heap), and decoding for 1 and 8
 * sequences. Arguments: [threads] [training steps] [gpt2|qwen|all|gpt2-step] (gpt2-step: only the GPT-2
 * training step, for runs taking turns with llm.c).
 */
public final class ModelBench {

    private ModelBench() {
    }

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        String which = args.length > 2 ? args[2] : "all";
        System.out.printf("ModelBench: Java backend, %d threads, %s %s%n", threads,
                System.getProperty("java.vm.name"), System.getProperty("java.version"));
        if (which.equals("gpt2-step")) {
            try (JavaBackend be = new JavaBackend(threads)) {
                training(be, ModelConfig.gpt2(), 4, 64, steps, true);
            }
            return;
        }
        if (!which.equals("qwen")) {
            gpt2(threads, steps);
        }
        if (!which.equals("gpt2")) {
            qwen(threads, steps);
        }
    }

    static void qwen(int threads, int steps) {
        ModelConfig cfg = ModelConfig.named("qwen2.5-0.5b");
        try (JavaBackend be = new JavaBackend(threads)) {
            System.gc();
            resetPeaks();
            training(be, cfg, 1, 256, steps, false);
            System.out.printf("  peak heap: %.0f MiB%n", peakHeapMiB());
        }
        for (int n : new int[] {1, 8}) {
            try (JavaBackend be = new JavaBackend(threads)) {
                System.gc();
                resetPeaks();
                sampling(be, cfg, n, 16);
                System.out.printf("  peak heap: %.0f MiB%n", peakHeapMiB());
            }
        }
    }

    static void gpt2(int threads, int steps) {
        try (JavaBackend be = new JavaBackend(threads)) {
            resetPeaks();
            training(be, ModelConfig.gpt2(), 4, 64, steps, true);
            System.out.printf("  peak heap: %.0f MiB%n", peakHeapMiB());
        }
        for (ModelConfig cfg : List.of(ModelConfig.gpt2(), ModelConfig.gpt2(4, 4, 256, 256, 50257, 1e-5f, 50256))) {
            try (JavaBackend be = new JavaBackend(threads)) {
                System.gc();
                resetPeaks();
                sampling(be, cfg, 16, 64);
                System.out.printf("  peak heap: %.0f MiB%n", peakHeapMiB());
            }
        }
    }

    /** Forward, log-probs and backward of b x t random tokens, and the AdamW step when {@code optimize}. */
    static void training(JavaBackend be, ModelConfig cfg, int b, int t, int steps, boolean optimize) {
        try (PolicyModel m = new PolicyModel(be, cfg); AdamW opt = optimize ? new AdamW(m, AdamW.Settings.defaults()) : null) {
            ModelInit.initialize(m, 1);
            Random r = new Random(1);
            int[] tokens = new int[b * t];
            int[] targets = new int[b * t];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = r.nextInt(cfg.vocabSize());
                targets[i] = r.nextInt(cfg.vocabSize());
            }
            float[] lp = new float[b * t];
            float[] g = new float[b * t];
            Arrays.fill(g, -1f / (b * t));
            List<Double> times = new ArrayList<>();
            for (int s = 0; s < steps + 2; s++) {
                long t0 = System.nanoTime();
                m.forward(tokens, b, t);
                m.logprobs(targets, 1f, lp, null);
                m.zeroGrads();
                m.backward(targets, g, 1f);
                if (opt != null) {
                    opt.update(1e-4);
                }
                double sec = (System.nanoTime() - t0) / 1e9;
                if (s >= 2) {
                    times.add(sec);
                }
            }
            System.out.printf("%s, %s %d layers x %d wide, batch %d x %d tokens: median %.2f s"
                    + " (min %.2f, max %.2f, %d steps after 2 warm-up)%n",
                    optimize ? "training step" : "forward + backward", cfg.type().hfName(), cfg.nLayer(), cfg.nEmbd(), b, t,
                    median(times), times.stream().mapToDouble(d -> d).min().orElse(0),
                    times.stream().mapToDouble(d -> d).max().orElse(0), times.size());
        }
    }

    static void sampling(JavaBackend be, ModelConfig cfg, int n, int newTokens) {
        try (PolicyModel m = new PolicyModel(be, cfg); Sampler sampler = new Sampler(m)) {
            ModelInit.initialize(m, 2);
            List<int[]> prompts = new ArrayList<>();
            Random r = new Random(3);
            for (int i = 0; i < n; i++) {
                int[] p = new int[16];
                for (int k = 0; k < p.length; k++) {
                    p[k] = r.nextInt(cfg.vocabSize() - 1);
                }
                prompts.add(p);
            }
            // no EOS stop, so that every sequence generates exactly newTokens tokens
            SamplingParams params = new SamplingParams(newTokens, 1f, 0, 1f, 0f, 7);
            sampler.generate(prompts, params, -1);
            List<Double> rates = new ArrayList<>();
            for (int rep = 0; rep < 3; rep++) {
                long t0 = System.nanoTime();
                List<Completion> out = sampler.generate(prompts, params, -1);
                double sec = (System.nanoTime() - t0) / 1e9;
                int tokens = out.stream().mapToInt(c -> c.tokens().length).sum();
                rates.add(tokens / sec);
            }
            System.out.printf("sampling, %s %d layers x %d wide, %d sequences x %d new tokens (16-token prompts):"
                    + " median %.1f tokens/s over 3 runs after 1 warm-up%n", cfg.type().hfName(), cfg.nLayer(),
                    cfg.nEmbd(), n, newTokens,
                    median(rates));
        }
    }

    static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(d -> d).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    static void resetPeaks() {
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                p.resetPeakUsage();
            }
        }
    }

    static double peakHeapMiB() {
        long sum = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                sum += p.getPeakUsage().getUsed();
            }
        }
        return sum / (1024.0 * 1024.0);
    }
}
