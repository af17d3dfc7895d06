package dev.cohort.trainer.internal.task;

import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.model.AdamW;
import dev.cohort.trainer.internal.model.Completion;
import dev.cohort.trainer.internal.model.HfCheckpoint;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.model.LrSchedule;
import dev.cohort.trainer.internal.model.Sampler;
import dev.cohort.trainer.internal.model.SamplingParams;
import dev.cohort.trainer.internal.tokenizer.CharTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Evidence, not the trainer: a minimal GRPO loop on the addition task from a warm-up checkpoint,
 * to check that the warm-up leaves GRPO room to learn. Per step: P train prompts (epochs of a
 * seeded shuffle) x G completions sampled at temperature 1; reward 1/0 by {@link Grading};
 * advantages (r - group mean) / (unbiased group std + 1e-4); one policy-gradient iteration
 * (ratio 1, no KL) with DAPO aggregation: dlogp = -A_i / N on every completion token (EOS
 * included), N the completion tokens of the batch; AdamW with Hugging Face's defaults (no
 * weight decay, gradient clipping at 1). Held-out greedy accuracy before and after.
 *
 * <pre>
 * GrpoProbe [--model DIR]        warm-up checkpoint (examples/addition/warmup)
 *           [--seeds 1,2,3]      GRPO seeds (prompt order and sampling), one run each
 *           [--steps N]          optimizer steps (600)
 *           [--prompts P]        prompts per step (16)
 *           [--generations G]    completions per prompt (8)
 *           [--lr X]             learning rate (2e-4)
 *           [--schedule S]       constant | linear | cosine (constant)
 *           [--warmup-steps N]   learning-rate warm-up (10)
 *           [--max-completion N] max_completion_length (4)
 *           [--temperature X]    sampling temperature (1)
 *           [--train-rows N]     train rows to draw prompts from (all)
 *           [--eval-every N]     held-out accuracy every N steps (0 = only before and after)
 *           [--threads N]        compute threads (2)
 * </pre>
 */
public final class GrpoProbe {

    record Settings(Path model, long[] seeds, int steps, int prompts, int generations, double lr, LrSchedule.Kind schedule,
            int warmupSteps, int maxCompletion, float temperature, int trainRows, int evalEvery, int threads) {
    }

    public static void main(String[] args) throws Exception {
        Path model = Path.of("examples/addition/warmup");
        long[] seeds = {1, 2, 3};
        int steps = 600;
        int prompts = 16;
        int generations = 8;
        double lr = 2e-4;
        LrSchedule.Kind schedule = LrSchedule.Kind.CONSTANT;
        int warmupSteps = 10;
        int maxCompletion = 4;
        float temperature = 1f;
        int trainRows = Integer.MAX_VALUE;
        int evalEvery = 0;
        int threads = 2;
        for (int i = 0; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--model" -> model = Path.of(v);
                case "--seeds" -> seeds = Arrays.stream(v.split(",")).mapToLong(Long::parseLong).toArray();
                case "--steps" -> steps = Integer.parseInt(v);
                case "--prompts" -> prompts = Integer.parseInt(v);
                case "--generations" -> generations = Integer.parseInt(v);
                case "--lr" -> lr = Double.parseDouble(v);
                case "--schedule" -> schedule = LrSchedule.parse(v);
                case "--warmup-steps" -> warmupSteps = Integer.parseInt(v);
                case "--max-completion" -> maxCompletion = Integer.parseInt(v);
                case "--temperature" -> temperature = Float.parseFloat(v);
                case "--train-rows" -> trainRows = Integer.parseInt(v);
                case "--eval-every" -> evalEvery = Integer.parseInt(v);
                case "--threads" -> threads = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Settings s = new Settings(model, seeds, steps, prompts, generations, lr, schedule, warmupSteps, maxCompletion,
                temperature, trainRows, evalEvery, threads);
        System.out.printf(Locale.ROOT, "%s%n", describe(s));
        double minGain = Double.POSITIVE_INFINITY;
        for (long seed : s.seeds) {
            double[] r = run(s, seed);
            minGain = Math.min(minGain, r[1] - r[0]);
            System.out.printf(Locale.ROOT, "seed %d: held-out greedy accuracy %.3f -> %.3f (%+.3f), held-out sampled"
                    + " reward %.3f -> %.3f, mean train reward first 10 steps %.3f, last 10 steps %.3f, %.1f s of"
                    + " training%n", seed, r[0], r[1], r[1] - r[0], r[5], r[6], r[3], r[4], r[2]);
        }
        System.out.printf(Locale.ROOT, "smallest gain %.3f%n", minGain);
    }

    static String describe(Settings s) {
        return String.format(Locale.ROOT, "model %s, steps %d, P %d x G %d, lr %g %s warm-up %d, max_completion %d,"
                + " temperature %.2f, train rows %s, threads %d", s.model, s.steps, s.prompts, s.generations, s.lr,
                s.schedule.name().toLowerCase(Locale.ROOT), s.warmupSteps, s.maxCompletion, s.temperature,
                s.trainRows == Integer.MAX_VALUE ? "all" : Integer.toString(s.trainRows), s.threads);
    }

    /**
     * {greedy held-out accuracy before, after, training seconds, mean train reward of the first 10
     * steps, of the last 10, sampled held-out reward before, after}.
     */
    static double[] run(Settings s, long seed) throws Exception {
        AdditionTask task = new AdditionTask();
        CharTokenizer tok = AdditionTask.tokenizer();
        List<Map<String, Object>> train = task.trainRows(s.trainRows);
        List<Map<String, Object>> heldOut = task.heldOutRows();
        int p = s.prompts;
        int g = s.generations;
        int n = p * g;
        try (JavaBackend be = new JavaBackend(s.threads);
                PolicyModel model = HfCheckpoint.load(s.model, be);
                AdamW opt = new AdamW(model, AdamW.Settings.defaults());
                Sampler sampler = new Sampler(model)) {
            double before = Evaluation.accuracy(model, tok, heldOut);
            double sampledBefore = sampledReward(model, tok, heldOut, s);
            LrSchedule lr = new LrSchedule(s.schedule, s.lr, s.warmupSteps, s.steps);
            int promptLen = AdditionTask.PROMPT_TOKENS;
            int t = promptLen + s.maxCompletion;
            int[] tokens = new int[n * t];
            int[] targets = new int[n * t];
            float[] dlogp = new float[n * t];
            double[] reward = new double[n];
            double[] adv = new double[n];
            SplittableRandom rng = new SplittableRandom(seed);
            int[] order = shuffled(train.size(), rng);
            int cursor = 0;
            double firstRewards = 0;
            double lastRewards = 0;
            long trainingNanos = 0;
            for (int step = 0; step < s.steps; step++) {
                long t0 = System.nanoTime();
                List<Map<String, Object>> batchRows = new ArrayList<>(p);
                List<int[]> promptIds = new ArrayList<>(n);
                for (int i = 0; i < p; i++) {
                    if (cursor == order.length) {
                        order = shuffled(train.size(), rng);
                        cursor = 0;
                    }
                    Map<String, Object> row = train.get(order[cursor++]);
                    batchRows.add(row);
                    int[] ids = tok.encode(row.get("prompt").toString());
                    for (int k = 0; k < g; k++) {
                        promptIds.add(ids);
                    }
                }
                SamplingParams sp = new SamplingParams(s.maxCompletion, s.temperature, 0, 1f, 0f,
                        seed * 1_000_003L + step);
                List<Completion> out = sampler.generate(promptIds, sp, tok.eos());
                double meanReward = 0;
                for (int i = 0; i < n; i++) {
                    reward[i] = Grading.grade(tok.decode(out.get(i).tokens()), batchRows.get(i / g).get("answer"));
                    meanReward += reward[i] / n;
                }
                if (step < 10) {
                    firstRewards += meanReward / Math.min(10, s.steps);
                }
                if (step >= s.steps - 10) {
                    lastRewards += meanReward / Math.min(10, s.steps);
                }
                groupAdvantages(reward, g, adv);
                Arrays.fill(tokens, tok.eos());
                Arrays.fill(targets, -1);
                Arrays.fill(dlogp, 0f);
                int completionTokens = 0;
                for (int i = 0; i < n; i++) {
                    completionTokens += out.get(i).tokens().length;
                }
                for (int i = 0; i < n; i++) {
                    int[] prompt = promptIds.get(i);
                    int[] c = out.get(i).tokens();
                    int base = i * t;
                    System.arraycopy(prompt, 0, tokens, base, promptLen);
                    System.arraycopy(c, 0, tokens, base + promptLen, c.length);
                    for (int j = 0; j < c.length; j++) {
                        targets[base + promptLen - 1 + j] = c[j];
                        dlogp[base + promptLen - 1 + j] = (float) (-adv[i] / completionTokens);
                    }
                }
                model.zeroGrads();
                model.forward(tokens, n, t);
                model.backward(targets, dlogp, 1f);
                opt.update(lr.lr(step));
                trainingNanos += System.nanoTime() - t0;
                if (s.evalEvery > 0 && (step + 1) % s.evalEvery == 0) {
                    System.out.printf(Locale.ROOT, "  seed %d step %d: reward %.3f, held-out %.3f%n", seed, step + 1,
                            meanReward, Evaluation.accuracy(model, tok, heldOut));
                }
            }
            double after = Evaluation.accuracy(model, tok, heldOut);
            double sampledAfter = sampledReward(model, tok, heldOut, s);
            return new double[] {before, after, trainingNanos / 1e9, firstRewards, lastRewards, sampledBefore,
                sampledAfter};
        }
    }

    /** Mean reward of one completion per row sampled at the probe's temperature (fixed seed 7). */
    static double sampledReward(PolicyModel model, CharTokenizer tok, List<Map<String, Object>> rows, Settings s) {
        List<int[]> prompts = new ArrayList<>(rows.size());
        for (Map<String, Object> row : rows) {
            prompts.add(tok.encode(row.get("prompt").toString()));
        }
        try (Sampler sampler = new Sampler(model)) {
            List<Completion> out = sampler.generate(prompts,
                    new SamplingParams(s.maxCompletion, s.temperature, 0, 1f, 0f, 7L), tok.eos());
            double sum = 0;
            for (int i = 0; i < rows.size(); i++) {
                sum += Grading.grade(tok.decode(out.get(i).tokens()), rows.get(i).get("answer"));
            }
            return sum / rows.size();
        }
    }

    /** A = (r - group mean) / (unbiased group std + 1e-4), 0 for a group of equal rewards. */
    static void groupAdvantages(double[] r, int g, double[] adv) {
        for (int from = 0; from < r.length; from += g) {
            double mean = 0;
            for (int i = from; i < from + g; i++) {
                mean += r[i] / g;
            }
            double var = 0;
            for (int i = from; i < from + g; i++) {
                var += (r[i] - mean) * (r[i] - mean) / (g - 1);
            }
            double std = Math.sqrt(var);
            for (int i = from; i < from + g; i++) {
                adv[i] = (r[i] - mean) / (std + 1e-4);
            }
        }
    }

    private static int[] shuffled(int size, SplittableRandom rng) {
        int[] a = new int[size];
        for (int i = 0; i < size; i++) {
            a[i] = i;
        }
        for (int i = size - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int tmp = a[i];
            a[i] = a[j];
            a[j] = tmp;
        }
        return a;
    }
}
