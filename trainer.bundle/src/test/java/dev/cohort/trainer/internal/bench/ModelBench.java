package dev.cohort.trainer.internal.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.backend.CudaBackend;
import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.model.AdamW;
import dev.cohort.trainer.internal.model.Completion;
import dev.cohort.trainer.internal.model.ModelConfig;
import dev.cohort.trainer.internal.model.ModelInit;
import dev.cohort.trainer.internal.model.ModelType;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.model.Sampler;
import dev.cohort.trainer.internal.model.SamplingParams;
import dev.cohort.trainer.internal.run.GrpoBenchHarness;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.ToDoubleFunction;

/**
 * Benchmarks of the policy model on the Java or the CUDA backend (not a test; run by
 * {@code trainer.bundle/src/gpu/run.sh} on the GPU machine). Each run prints one JSON line (all
 * numbers) and one human line, and appends the JSON line to {@code --json FILE} when given.
 *
 * <pre>
 * ModelBench MODE [options]
 *   MODE                 train | sample | grpo
 *   --backend B          java | cuda (java)
 *   --matmul P           fp32 | tf32 | bf16: the CUDA backend's matrix precision (tf32)
 *   --gemm G             auto | own | cublas: the CUDA backend's matrix engine (auto)
 *   --threads N          Java backend's compute threads (all processors)
 *   --warmup N           untimed repetitions first (train 3, sample 1, grpo 3)
 *   --steps N            timed repetitions (train 10, sample 3, grpo 20)
 *   --layers/--heads/--embd/--vocab/--positions N   model shape (GPT-2 124M: 12, 12, 768, 50257, 1024)
 *   --model NAME         a named shape instead (ModelConfig.named: qwen2.5-0.5b, tiny-llama, ...)
 *   --batch N  --seq N   train: batch of N sequences x T tokens (8 x 1024)
 *   --sequences N  --new-tokens N  --prompt N   sample: sequences, new tokens each, prompt tokens (64, 128, 16)
 *   --config FILE        grpo: the run configuration (examples/quickstart.yaml)
 *   --peak-tflops X      peak used for MFU (default: the H100/H200 SXM dense figure of the precision)
 *   --json FILE          append the JSON line to FILE
 * </pre>
 *
 * <p>train: random GPT-2-initialised weights, random tokens; one step = forward, log-probs of the
 * next tokens, backward from dlogprobs = -1/N on each of the N scored positions (mean cross-entropy),
 * AdamW with the trainer's global-norm clipping at 1. MFU counts 6 x (parameters less the
 * position embeddings) + 12 x L x T x C FLOPs per token (forward and backward, attention included),
 * as nanoGPT does. sample: the trainer's KV-cache sampler, temperature 1, no top-k/top-p/min-p, no
 * EOS (every sequence generates exactly the requested tokens); the time includes the prefill of
 * every prompt. grpo: the trainer's own GRPO loop on the configuration (model, prompts, rewards,
 * objective), with this backend.
 */
public final class ModelBench {

    /** H100/H200 SXM dense peaks, TFLOP/s (NVIDIA's data sheets; the sparse figures are twice these). */
    static final double PEAK_SXM_BF16 = 989.4;
    static final double PEAK_SXM_TF32 = 494.7;
    static final double PEAK_SXM_FP32 = 66.9;
    /** H100 PCIe dense peaks. */
    static final double PEAK_PCIE_BF16 = 756.0;
    static final double PEAK_PCIE_TF32 = 378.0;
    static final double PEAK_PCIE_FP32 = 51.2;

    private ModelBench() {
    }

    static final class Options {
        String mode;
        String backend = "java";
        String matmul = "tf32";
        String gemm = "auto";
        int threads = Runtime.getRuntime().availableProcessors();
        Integer warmup;
        Integer steps;
        int layers = 12;
        int heads = 12;
        int embd = 768;
        int vocab = 50257;
        int positions = 1024;
        int batch = 8;
        int seq = 1024;
        int sequences = 64;
        int newTokens = 128;
        int prompt = 16;
        String config = "examples/quickstart.yaml";
        Double peakTflops;
        String json;
        String model;

        int warmup(int dflt) {
            return warmup == null ? dflt : warmup;
        }

        int steps(int dflt) {
            return steps == null ? dflt : steps;
        }

        ModelConfig model() {
            if (model != null) {
                return ModelConfig.named(model);
            }
            return ModelConfig.gpt2(layers, heads, embd, positions, vocab, 1e-5f, vocab - 1);
        }
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("ModelBench: " + e.getMessage());
            System.err.println("usage: ModelBench train|sample|grpo [--backend java|cuda] [--matmul fp32|tf32|bf16]"
                    + " [--gemm auto|own|cublas] [--warmup N] [--steps N] ... (see the class comment)");
            System.exit(2);
            return;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("bench", "cohort." + o.mode);
        out.put("backend", o.backend);
        if (o.backend.equals("cuda")) {
            out.put("matmul", o.matmul);
            out.put("gemm", o.gemm);
        } else {
            out.put("threads", o.threads);
        }
        out.put("time", Instant.now().toString());
        Backend be;
        try {
            be = open(o, out);
        } catch (RuntimeException | LinkageError e) {
            out.put("error", "backend did not open: " + e);
            emit(o, out, "ModelBench " + o.mode + " on " + o.backend + ": backend did not open: " + e);
            System.exit(3);
            return;
        }
        int rc = 0;
        try (Backend b = be) {
            Runnable sync = b instanceof CudaBackend cb ? cb::synchronize : () -> { };
            String human;
            switch (o.mode) {
                case "train" -> human = train(o, b, sync, out);
                case "sample" -> human = sample(o, b, sync, out);
                case "grpo" -> human = grpo(o, b, sync, out);
                default -> throw new IllegalStateException(o.mode);
            }
            emit(o, out, human);
            if (b instanceof CudaBackend cb) {
                String profile = cb.profile();
                if (!profile.isEmpty()) {
                    System.out.println("per-op profile of the timed part (COHORT_CUDA_PROFILE=1; the events and host"
                            + " clocks around every op slow the run down, so these timings are separate):");
                    System.out.print(profile);
                }
            }
        } catch (Exception | Error e) {
            out.put("error", e.toString());
            emit(o, out, "ModelBench " + o.mode + " on " + o.backend + " failed: " + e);
            e.printStackTrace();
            rc = 1;
        }
        System.exit(rc);
    }

    static Options parse(String[] args) {
        Options o = new Options();
        if (args.length == 0) {
            throw new IllegalArgumentException("no mode given");
        }
        o.mode = args[0];
        if (!List.of("train", "sample", "grpo").contains(o.mode)) {
            throw new IllegalArgumentException("unknown mode '" + o.mode + "'");
        }
        for (int i = 1; i < args.length; i += 2) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(args[i] + " needs a value");
            }
            String v = args[i + 1];
            switch (args[i]) {
                case "--backend" -> o.backend = oneOf("--backend", v, "java", "cuda");
                case "--matmul" -> o.matmul = oneOf("--matmul", v, "fp32", "tf32", "bf16");
                case "--gemm" -> o.gemm = oneOf("--gemm", v, "auto", "own", "cublas");
                case "--threads" -> o.threads = Integer.parseInt(v);
                case "--warmup" -> o.warmup = Integer.parseInt(v);
                case "--steps" -> o.steps = Integer.parseInt(v);
                case "--layers" -> o.layers = Integer.parseInt(v);
                case "--heads" -> o.heads = Integer.parseInt(v);
                case "--embd" -> o.embd = Integer.parseInt(v);
                case "--vocab" -> o.vocab = Integer.parseInt(v);
                case "--positions" -> o.positions = Integer.parseInt(v);
                case "--batch" -> o.batch = Integer.parseInt(v);
                case "--seq" -> o.seq = Integer.parseInt(v);
                case "--sequences" -> o.sequences = Integer.parseInt(v);
                case "--new-tokens" -> o.newTokens = Integer.parseInt(v);
                case "--prompt" -> o.prompt = Integer.parseInt(v);
                case "--config" -> o.config = v;
                case "--peak-tflops" -> o.peakTflops = Double.parseDouble(v);
                case "--json" -> o.json = v;
                case "--model" -> o.model = v;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        return o;
    }

    private static String oneOf(String key, String v, String... allowed) {
        if (!Arrays.asList(allowed).contains(v)) {
            throw new IllegalArgumentException(key + " must be one of " + Arrays.toString(allowed) + ", got '" + v + "'");
        }
        return v;
    }

    static Backend open(Options o, Map<String, Object> out) {
        if (o.backend.equals("java")) {
            out.put("device", "Java backend, " + o.threads + " threads, " + System.getProperty("java.vm.name") + " "
                    + System.getProperty("java.version") + ", " + Runtime.getRuntime().availableProcessors()
                    + " processors");
            return new JavaBackend(o.threads);
        }
        CudaBackend.Options opt = CudaBackend.Options.defaults()
                .with(CudaBackend.Precision.valueOf(o.matmul.toUpperCase(Locale.ROOT)))
                .with(CudaBackend.Gemm.valueOf(o.gemm.toUpperCase(Locale.ROOT)));
        CudaBackend cb = CudaBackend.open(opt);
        out.put("device", cb.device());
        out.put("gemm_info", cb.gemmInfo());
        return cb;
    }

    // ------------------------------------------------------------------ train

    static String train(Options o, Backend be, Runnable sync, Map<String, Object> out) {
        ModelConfig cfg = o.model();
        int b = o.batch;
        int t = o.seq;
        int warmup = o.warmup(3);
        int steps = o.steps(10);
        if (t > cfg.nPositions()) {
            throw new IllegalArgumentException("--seq " + t + " exceeds --positions " + cfg.nPositions());
        }
        long t0 = System.nanoTime();
        try (PolicyModel m = new PolicyModel(be, cfg); AdamW opt = new AdamW(m, AdamW.Settings.defaults())) {
            ModelInit.initialize(m, 1);
            sync.run();
            double setupS = (System.nanoTime() - t0) / 1e9;
            Random r = new Random(1);
            int n = b * t;
            int[] tokens = new int[n];
            for (int i = 0; i < n; i++) {
                tokens[i] = r.nextInt(cfg.vocabSize());
            }
            // next-token targets; the last position of each sequence is not scored
            int[] targets = new int[n];
            int scored = 0;
            for (int s = 0; s < b; s++) {
                for (int i = 0; i < t; i++) {
                    targets[s * t + i] = i + 1 < t ? tokens[s * t + i + 1] : -1;
                    scored += i + 1 < t ? 1 : 0;
                }
            }
            float[] lp = new float[n];
            float[] g = new float[n];
            for (int i = 0; i < n; i++) {
                g[i] = targets[i] >= 0 ? -1f / scored : 0f;
            }
            List<Double> times = new ArrayList<>();
            List<Double> losses = new ArrayList<>();
            double lastNorm = Double.NaN;
            for (int s = 0; s < warmup + steps; s++) {
                sync.run();
                if (s == warmup && be instanceof CudaBackend cb) {
                    cb.profile(); // the profile covers the timed steps only
                }
                long s0 = System.nanoTime();
                m.forward(tokens, b, t);
                m.logprobs(targets, 1f, lp, null);
                m.zeroGrads();
                m.backward(targets, g, 1f);
                lastNorm = opt.update(1e-4);
                sync.run();
                double sec = (System.nanoTime() - s0) / 1e9;
                double loss = 0;
                for (int i = 0; i < n; i++) {
                    if (targets[i] >= 0) {
                        loss -= lp[i];
                    }
                }
                losses.add(loss / scored);
                if (s >= warmup) {
                    times.add(sec);
                }
            }
            long params = m.layout().total();
            // learned positions (GPT-2's wpe) are a lookup, not a product; attention 12 L T (NH hs)
            long posParams = cfg.type() == ModelType.GPT2 ? (long) cfg.nPositions() * cfg.nEmbd() : 0;
            long flopParams = params - posParams;
            double flopsPerToken = 6.0 * flopParams + 12.0 * cfg.nLayer() * t * cfg.heads().width();
            double median = median(times);
            double tokensPerS = n / median;
            double achieved = flopsPerToken * tokensPerS / 1e12;
            Peak peak = peak(o, out);
            out.put("model", shape(cfg));
            out.put("batch", b);
            out.put("seq", t);
            out.put("tokens_per_step", n);
            out.put("params", params);
            out.put("params_for_flops", flopParams);
            out.put("flops_per_token", flopsPerToken);
            out.put("flops_formula", "6*(params - wpe) + 12*L*T*(NH*hs)");
            out.put("warmup", warmup);
            out.put("steps", steps);
            out.put("setup_s", round(setupS, 3));
            out.put("step_ms_median", round(median * 1e3, 2));
            out.put("step_ms_min", round(min(times) * 1e3, 2));
            out.put("step_ms_max", round(max(times) * 1e3, 2));
            out.put("tokens_per_s", round(tokensPerS, 1));
            out.put("achieved_tflops", round(achieved, 3));
            out.put("peak_tflops", peak.tflops);
            out.put("peak_source", peak.source);
            out.put("mfu", peak.tflops == null ? null : round(achieved / peak.tflops, 4));
            out.put("loss_first", round(losses.get(0), 4));
            out.put("loss_last", round(losses.get(losses.size() - 1), 4));
            out.put("grad_norm_last", round(lastNorm, 4));
            return String.format(Locale.ROOT, "train %s %s: %d x %d tokens, %s, median %.1f ms/step (min %.1f, max %.1f;"
                    + " %d after %d warm-up), %.0f tokens/s, %.2f TFLOP/s%s, loss %.3f -> %.3f", o.backend, label(o),
                    b, t, shape(cfg), median * 1e3, min(times) * 1e3, max(times) * 1e3, steps, warmup, tokensPerS,
                    achieved, peak.tflops == null ? "" : String.format(Locale.ROOT, ", MFU %.1f%% of %.1f (%s)",
                            100 * achieved / peak.tflops, peak.tflops, peak.source),
                    losses.get(0), losses.get(losses.size() - 1));
        }
    }

    record Peak(Double tflops, String source) {
    }

    /** The peak for MFU: --peak-tflops, else the data-sheet figure for the device and precision. */
    static Peak peak(Options o, Map<String, Object> out) {
        if (o.peakTflops != null) {
            return new Peak(o.peakTflops, "--peak-tflops");
        }
        if (!o.backend.equals("cuda")) {
            return new Peak(null, "none for the Java backend (give --peak-tflops)");
        }
        String dev = String.valueOf(out.get("device"));
        boolean pcie = dev.contains("PCIe");
        String kind = pcie ? "H100 PCIe" : "H100/H200 SXM";
        // the library's own kernels are fp32 whatever the precision asked (gemm_info says so)
        String effective = String.valueOf(out.get("gemm_info")).startsWith("own fp32") ? "fp32" : o.matmul;
        out.put("matmul_effective", effective);
        return switch (effective) {
            case "bf16" -> new Peak(pcie ? PEAK_PCIE_BF16 : PEAK_SXM_BF16, kind + " dense BF16 tensor-core peak");
            case "tf32" -> new Peak(pcie ? PEAK_PCIE_TF32 : PEAK_SXM_TF32, kind + " dense TF32 tensor-core peak");
            default -> new Peak(pcie ? PEAK_PCIE_FP32 : PEAK_SXM_FP32, kind + " FP32 (non-tensor-core) peak");
        };
    }

    // ------------------------------------------------------------------ sample

    static String sample(Options o, Backend be, Runnable sync, Map<String, Object> out) {
        ModelConfig cfg = o.model();
        int warmup = o.warmup(1);
        int reps = o.steps(3);
        if (o.prompt + o.newTokens > cfg.nPositions()) {
            throw new IllegalArgumentException("--prompt + --new-tokens exceed --positions " + cfg.nPositions());
        }
        try (PolicyModel m = new PolicyModel(be, cfg); Sampler sampler = new Sampler(m)) {
            ModelInit.initialize(m, 2);
            List<int[]> prompts = new ArrayList<>();
            Random r = new Random(3);
            for (int i = 0; i < o.sequences; i++) {
                int[] p = new int[o.prompt];
                for (int k = 0; k < p.length; k++) {
                    p[k] = r.nextInt(cfg.vocabSize());
                }
                prompts.add(p);
            }
            // eos = -1: no token id stops a sequence, so each one generates exactly newTokens tokens
            SamplingParams params = new SamplingParams(o.newTokens, 1f, 0, 1f, 0f, 7);
            List<Double> secs = new ArrayList<>();
            long produced = 0;
            for (int rep = 0; rep < warmup + reps; rep++) {
                sync.run();
                if (rep == warmup && be instanceof CudaBackend cb) {
                    cb.profile(); // the profile covers the timed repetitions only
                }
                long t0 = System.nanoTime();
                List<Completion> res = sampler.generate(prompts, params, -1);
                sync.run();
                double sec = (System.nanoTime() - t0) / 1e9;
                produced = res.stream().mapToLong(c -> c.tokens().length).sum();
                if (produced != (long) o.sequences * o.newTokens) {
                    throw new IllegalStateException("sampler produced " + produced + " tokens, expected "
                            + (long) o.sequences * o.newTokens);
                }
                if (rep >= warmup) {
                    secs.add(sec);
                }
            }
            double median = median(secs);
            double rate = produced / median;
            out.put("model", shape(cfg));
            out.put("replayed_decode_steps", sampler.replayedSteps());
            if (be instanceof CudaBackend cb && cb.lastRecordingError() != null) {
                out.put("recording_error", cb.lastRecordingError());
            }
            out.put("sequences", o.sequences);
            out.put("prompt_tokens", o.prompt);
            out.put("new_tokens", o.newTokens);
            out.put("sampling", "temperature 1, top_k 0, top_p 1, min_p 0, no EOS stop (eos -1), distinct random prompts");
            out.put("warmup", warmup);
            out.put("reps", reps);
            out.put("ms_median", round(median * 1e3, 2));
            out.put("ms_min", round(min(secs) * 1e3, 2));
            out.put("ms_max", round(max(secs) * 1e3, 2));
            out.put("new_tokens_per_s", round(rate, 1));
            out.put("ms_per_decode_step", round(median * 1e3 / o.newTokens, 3));
            return String.format(Locale.ROOT, "sample %s %s: %s, %d sequences x %d new tokens (%d-token prompts):"
                    + " median %.1f ms (min %.1f, max %.1f; %d after %d warm-up), %.0f new tokens/s", o.backend,
                    label(o), shape(cfg), o.sequences, o.newTokens, o.prompt, median * 1e3, min(secs) * 1e3,
                    max(secs) * 1e3, reps, warmup, rate);
        }
    }

    // ------------------------------------------------------------------ grpo

    static String grpo(Options o, Backend be, Runnable sync, Map<String, Object> out) throws Exception {
        int warmup = o.warmup(3);
        int steps = o.steps(20);
        GrpoBenchHarness.Result r = GrpoBenchHarness.run(be, Path.of(o.config), warmup + steps, sync);
        List<GrpoBenchHarness.Step> timed = r.steps().subList(warmup, r.steps().size());
        GrpoBenchHarness.Shape s = r.shape();
        double wall = medianOf(timed, GrpoBenchHarness.Step::wallMs);
        out.put("config", o.config);
        out.put("model", String.format(Locale.ROOT, "%s (%d layers x %d, vocab %d)", s.model(), s.nLayer(), s.nEmbd(),
                s.vocab()));
        out.put("prompts_per_step", s.prompts());
        out.put("generations", s.generations());
        out.put("max_completion_length", s.maxCompletionLength());
        out.put("loss_type", s.lossType());
        out.put("beta", s.beta());
        out.put("warmup", warmup);
        out.put("steps", steps);
        out.put("step_ms_median", round(wall, 3));
        out.put("step_ms_min", round(timed.stream().mapToDouble(GrpoBenchHarness.Step::wallMs).min().orElse(0), 3));
        out.put("step_ms_max", round(timed.stream().mapToDouble(GrpoBenchHarness.Step::wallMs).max().orElse(0), 3));
        double gen = medianOf(timed, GrpoBenchHarness.Step::generationMs);
        double scoring = medianOf(timed, GrpoBenchHarness.Step::scoringMs);
        double update = medianOf(timed, GrpoBenchHarness.Step::updateMs);
        double reward = timed.stream().mapToDouble(GrpoBenchHarness.Step::reward).average().orElse(Double.NaN);
        out.put("generation_ms_median", round(gen, 3));
        out.put("scoring_ms_median", round(scoring, 3));
        out.put("update_ms_median", round(update, 3));
        out.put("steps_per_s", round(1e3 / wall, 2));
        out.put("mean_completion_length", round(timed.stream().mapToDouble(GrpoBenchHarness.Step::meanCompletionLength)
                .average().orElse(Double.NaN), 3));
        out.put("reward_mean", round(reward, 4));
        out.put("note", "split from the trainer's metrics time/generation, time/scoring, time/update (host clock;"
                + " the step wall time is read after a device synchronize)");
        return String.format(Locale.ROOT, "grpo %s %s: %s, %d prompts x %d, median %.1f ms/step (generation %.1f,"
                + " scoring %.1f, update %.1f; %d after %d warm-up), mean reward %.3f", o.backend, label(o),
                out.get("model"), s.prompts(), s.generations(), wall, gen, scoring, update, steps, warmup, reward);
    }

    // ------------------------------------------------------------------ helpers

    private static String label(Options o) {
        return o.backend.equals("cuda") ? o.matmul + "/" + o.gemm
                + (CudaBackend.graphsEnabled() ? "" : " op by op")
                + (CudaBackend.fusedAttentionRequested() ? "" : " unfused attention")
                + (Boolean.getBoolean(CudaBackend.FEW_ROWS_GEMM_PROPERTY) ? " few-row gemm" : "")
                + (Boolean.getBoolean(CudaBackend.BF16_KV_CACHE_PROPERTY) ? " bf16 kv" : "")
                : o.threads + " threads";
    }

    private static String shape(ModelConfig c) {
        return String.format(Locale.ROOT, "%s, %d layers x %d heads (%d key/value) x %d, vocab %d", c.type(), c.nLayer(),
                c.nHead(), c.nKvHead(), c.nEmbd(), c.vocabSize());
    }

    static void emit(Options o, Map<String, Object> out, String human) {
        String line;
        try {
            line = new ObjectMapper().writeValueAsString(out);
        } catch (IOException e) {
            line = "{\"error\":\"JSON: " + e.getMessage().replace('"', '\'') + "\"}";
        }
        System.out.println(line);
        System.out.println(human);
        System.out.flush();
        if (o.json != null) {
            try {
                Files.writeString(Path.of(o.json), line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
            } catch (IOException e) {
                System.err.println("ModelBench: cannot append to " + o.json + ": " + e.getMessage());
            }
        }
    }

    static <T> double medianOf(List<T> xs, ToDoubleFunction<T> f) {
        List<Double> v = new ArrayList<>();
        xs.forEach(x -> v.add(f.applyAsDouble(x)));
        return median(v);
    }

    static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(d -> d).sorted().toArray();
        if (a.length == 0) {
            return Double.NaN;
        }
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static double min(List<Double> xs) {
        return xs.stream().mapToDouble(d -> d).min().orElse(Double.NaN);
    }

    private static double max(List<Double> xs) {
        return xs.stream().mapToDouble(d -> d).max().orElse(Double.NaN);
    }

    private static Double round(double x, int digits) {
        if (!Double.isFinite(x)) {
            return null;
        }
        double f = Math.pow(10, digits);
        return Math.round(x * f) / f;
    }
}
