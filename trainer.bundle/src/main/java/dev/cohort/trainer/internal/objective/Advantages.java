package dev.cohort.trainer.internal.objective;

/**
 * Group-relative advantages from K reward columns, as TRL's GRPOTrainer computes them (see
 * docs/grpo-objective.md). Samples are group-contiguous: sample i belongs to group i / G. NaN is
 * "no reward". A reusable instance: its only workspace (N doubles, for normalize_then_sum) is
 * sized on first use and grown when needed; a call allocates nothing else.
 *
 * <p>{@code sum_then_normalize}: R_i = sum_k w_k r_ik over non-NaN r (NaN when all are NaN);
 * A_i = (R_i - mean_group) / (std_group + 1e-4) for {@code group}, / (std_batch + 1e-4) for
 * {@code batch}, unscaled for {@code none}; means and unbiased stds skip NaN.
 *
 * <p>{@code normalize_then_sum}: z_ik = (r_ik - mean_gk) / (std_gk + 1e-4) per function within the
 * group; S_i = sum_k w_k z_ik over non-NaN z (a NaN z, from a missing reward or from a group
 * with fewer than two rewards of that function, adds 0); S_i = NaN when every r_ik is NaN;
 * A_i = (S_i - mean(S)) / (std(S) + 1e-4) over the batch's non-NaN S.
 *
 * <p>Finally a NaN advantage becomes 0: a sample without reward, every sample of a group with
 * fewer than two rewarded samples under group scaling (unbiased std of one value is NaN).
 */
public final class Advantages {
    private static final double STD_EPS = 1e-4;

    private final ObjectiveConfig config;
    private double[] summedScores = new double[0];

    /** An instance for one run's config. */
    public Advantages(ObjectiveConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("config is null");
        }
        this.config = config;
    }

    /**
     * Computes advantages and total rewards.
     *
     * @param rewards [K][N] rewards per function and sample, NaN for no reward
     * @param weights [K] reward weights
     * @param groupSize G, num_generations: G >= 2 and G divides N
     * @param advantages [N] out: the advantages, never NaN
     * @param totals [N] out: R_i = sum_k w_k r_ik skipping NaN, NaN when every r_ik is NaN (also
     *     under normalize_then_sum, where it is the reward that is logged)
     */
    public void compute(double[][] rewards, double[] weights, int groupSize, double[] advantages,
            double[] totals) {
        int n = validate(rewards, weights, groupSize, advantages, totals);
        weightedSums(rewards, weights, totals);
        if (config.aggregation() == RewardAggregation.SUM_THEN_NORMALIZE) {
            sumThenNormalize(totals, groupSize, advantages);
        } else {
            if (summedScores.length < n) {
                summedScores = new double[n];
            }
            summedZScores(rewards, weights, groupSize, totals, summedScores);
            normalizeOverBatch(summedScores, n, advantages);
        }
    }

    /** R_i = sum_k w_k r_ik over non-NaN r_ik; NaN when all are NaN. */
    static void weightedSums(double[][] rewards, double[] weights, double[] totals) {
        for (int i = 0; i < totals.length; i++) {
            double sum = 0;
            boolean any = false;
            for (int k = 0; k < rewards.length; k++) {
                double r = rewards[k][i];
                if (!Double.isNaN(r)) {
                    sum += weights[k] * r;
                    any = true;
                }
            }
            totals[i] = any ? sum : Double.NaN;
        }
    }

    private void sumThenNormalize(double[] totals, int groupSize, double[] advantages) {
        int n = totals.length;
        double batchStd = config.scaleRewards() == ScaleRewards.BATCH ? NanStats.std(totals, 0, n) : 0;
        for (int from = 0; from < n; from += groupSize) {
            int to = from + groupSize;
            double mean = NanStats.mean(totals, from, to);
            double scale = switch (config.scaleRewards()) {
                case GROUP -> NanStats.std(totals, from, to, mean) + STD_EPS;
                case BATCH -> batchStd + STD_EPS;
                case NONE -> 1;
            };
            for (int i = from; i < to; i++) {
                advantages[i] = zeroIfNaN((totals[i] - mean) / scale);
            }
        }
    }

    /** S_i = sum_k w_k z_ik over non-NaN z_ik; NaN where totals (all rewards) is NaN. */
    private static void summedZScores(double[][] rewards, double[] weights, int groupSize,
            double[] totals, double[] out) {
        int n = totals.length;
        for (int i = 0; i < n; i++) {
            out[i] = Double.isNaN(totals[i]) ? Double.NaN : 0;
        }
        for (int k = 0; k < rewards.length; k++) {
            double[] r = rewards[k];
            for (int from = 0; from < n; from += groupSize) {
                int to = from + groupSize;
                double mean = NanStats.mean(r, from, to);
                double scale = NanStats.std(r, from, to, mean) + STD_EPS;
                for (int i = from; i < to; i++) {
                    double z = (r[i] - mean) / scale;
                    if (!Double.isNaN(z)) {
                        out[i] += weights[k] * z;
                    }
                }
            }
        }
    }

    private static void normalizeOverBatch(double[] scores, int n, double[] advantages) {
        double mean = NanStats.mean(scores, 0, n);
        double scale = NanStats.std(scores, 0, n, mean) + STD_EPS;
        for (int i = 0; i < n; i++) {
            advantages[i] = zeroIfNaN((scores[i] - mean) / scale);
        }
    }

    private static double zeroIfNaN(double a) {
        return Double.isNaN(a) ? 0 : a;
    }

    private static int validate(double[][] rewards, double[] weights, int groupSize,
            double[] advantages, double[] totals) {
        Shapes.requireNonNull("rewards", rewards, "[K][N] rewards");
        Shapes.requireNonNull("weights", weights, "[K] reward weights");
        if (rewards.length == 0) {
            throw new IllegalArgumentException("rewards has 0 columns, expected K >= 1");
        }
        Shapes.requireLength("weights", weights.length, rewards.length, "K (columns of rewards)");
        Shapes.requireNonNull("rewards[0]", rewards[0], "[N] rewards");
        int n = rewards[0].length;
        for (int k = 0; k < rewards.length; k++) {
            Shapes.requireColumn("rewards", k, rewards[k], n, "N (length of rewards[0])");
            if (!Double.isFinite(weights[k])) {
                throw new IllegalArgumentException("weights[" + k + "] is " + weights[k]
                        + ", expected a finite number");
            }
        }
        if (groupSize < 2 || n == 0 || n % groupSize != 0) {
            throw new IllegalArgumentException("group size G = " + groupSize
                    + " must be >= 2 and divide N = " + n + " (a batch of whole groups)");
        }
        Shapes.requireNonNull("advantages", advantages, "[N] output");
        Shapes.requireNonNull("totals", totals, "[N] output");
        Shapes.requireLength("advantages", advantages.length, n, "N (length of rewards[0])");
        Shapes.requireLength("totals", totals.length, n, "N (length of rewards[0])");
        return n;
    }
}
