package dev.cohort.trainer.internal.objective;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects one training step's metrics across generation batches and micro-batches: rewards from
 * {@link #addRewards}, completions from {@link #addCompletion}, token sums from {@link GrpoLoss}.
 * {@link #snapshot} gives the {@link StepMetrics}, {@link #reset} starts the next step. The add
 * methods allocate nothing. Token ratios (KL, clip ratios) are weighted by tokens over the whole
 * step; TRL averages per-micro-batch means instead, which agrees when micro-batches hold equal
 * numbers of tokens. Not thread-safe.
 */
public final class StepMetricsAccumulator {
    private final RunningStats[] perFunction;
    private final RunningStats total = new RunningStats();
    private long groups;
    private long zeroStdGroups;
    private long completions;
    private long truncatedCompletions;
    private long lengthSum;
    private int minLength = Integer.MAX_VALUE;
    private int maxLength = Integer.MIN_VALUE;
    private long tokens;
    private long lowClipped;
    private long highClipped;
    private double klSum = Double.NaN;

    /** An accumulator for K reward functions. */
    public StepMetricsAccumulator(int rewardFunctions) {
        if (rewardFunctions < 1) {
            throw new IllegalArgumentException(
                    "rewardFunctions is " + rewardFunctions + ", expected K >= 1");
        }
        perFunction = new RunningStats[rewardFunctions];
        for (int k = 0; k < rewardFunctions; k++) {
            perFunction[k] = new RunningStats();
        }
    }

    /**
     * Adds a generation batch's rewards.
     *
     * @param rewards [K][N] rewards, NaN for none
     * @param totals [N] total rewards as {@link Advantages} computes them
     * @param groupSize G, which divides N
     */
    public void addRewards(double[][] rewards, double[] totals, int groupSize) {
        validate(rewards, totals, groupSize);
        for (int k = 0; k < perFunction.length; k++) {
            for (double r : rewards[k]) {
                perFunction[k].add(r);
            }
        }
        for (int from = 0; from < totals.length; from += groupSize) {
            groups++;
            zeroStdGroups += NanStats.isZeroStd(NanStats.std(totals, from, from + groupSize)) ? 1 : 0;
            for (int i = from; i < from + groupSize; i++) {
                total.add(totals[i]);
            }
        }
    }

    /** Adds one completion: its length in tokens and whether it hit max length without EOS. */
    public void addCompletion(int length, boolean truncated) {
        if (length < 0) {
            throw new IllegalArgumentException("completion length is " + length + ", expected >= 0");
        }
        completions++;
        truncatedCompletions += truncated ? 1 : 0;
        lengthSum += length;
        minLength = Math.min(minLength, length);
        maxLength = Math.max(maxLength, length);
    }

    /**
     * Adds a micro-batch's token sums (called by {@link GrpoLoss}).
     *
     * @param maskedTokens tokens that count (mask after truncation masking)
     * @param low tokens clipped low (w < 1 - eps_low, A < 0)
     * @param high tokens clipped high (w > 1 + eps_high, A > 0); never the same token as low, so
     *     the region count is low + high
     * @param kl sum of the k3 KL over those tokens, NaN when the KL is not computed (beta = 0)
     */
    public void addTokenSums(long maskedTokens, long low, long high, double kl) {
        tokens += maskedTokens;
        lowClipped += low;
        highClipped += high;
        if (!Double.isNaN(kl)) {
            klSum = Double.isNaN(klSum) ? kl : klSum + kl;
        }
    }

    /** The step's metrics so far. */
    public StepMetrics snapshot() {
        List<Double> means = new ArrayList<>(perFunction.length);
        List<Double> stds = new ArrayList<>(perFunction.length);
        for (RunningStats f : perFunction) {
            means.add(f.mean());
            stds.add(f.std());
        }
        boolean anyCompletion = completions > 0;
        return new StepMetrics(means, stds, total.mean(), total.std(), ratio(zeroStdGroups, groups),
                ratio(lengthSum, completions), anyCompletion ? minLength : Double.NaN,
                anyCompletion ? maxLength : Double.NaN, ratio(truncatedCompletions, completions),
                klSum / tokens, ratio(lowClipped, tokens), ratio(highClipped, tokens),
                ratio(lowClipped + highClipped, tokens));
    }

    /** Forgets everything added, for the next step. */
    public void reset() {
        for (RunningStats f : perFunction) {
            f.reset();
        }
        total.reset();
        groups = zeroStdGroups = completions = truncatedCompletions = lengthSum = 0;
        minLength = Integer.MAX_VALUE;
        maxLength = Integer.MIN_VALUE;
        tokens = lowClipped = highClipped = 0;
        klSum = Double.NaN;
    }

    private static double ratio(double numerator, long denominator) {
        return denominator == 0 ? Double.NaN : numerator / denominator;
    }

    private void validate(double[][] rewards, double[] totals, int groupSize) {
        Shapes.requireNonNull("rewards", rewards, "[K][N] rewards");
        Shapes.requireNonNull("totals", totals, "[N] total rewards");
        Shapes.requireLength("rewards", rewards.length, perFunction.length, "K (reward functions)");
        for (int k = 0; k < rewards.length; k++) {
            Shapes.requireColumn("rewards", k, rewards[k], totals.length, "N (totals)");
        }
        if (groupSize < 2 || totals.length % groupSize != 0) {
            throw new IllegalArgumentException("group size G = " + groupSize
                    + " must be >= 2 and divide N = " + totals.length);
        }
    }
}
