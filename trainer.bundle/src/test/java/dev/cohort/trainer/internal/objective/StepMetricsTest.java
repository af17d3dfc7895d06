package dev.cohort.trainer.internal.objective;

import static dev.cohort.trainer.internal.objective.AdvantagesTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Step metrics worked out by hand, accumulation across calls, TRL's metric names. */
class StepMetricsTest {
    private static final double NaN = Double.NaN;
    private static final double TOL = 1e-12;
    private static final double LN2 = Math.log(2);

    // The sum_then_normalize fixture of AdvantagesTest: K = 2, weights [1, 0.5], G = 3.
    private static final double[][] REWARDS = {
            {1, 3, NaN, 5, 5, NaN, 0, NaN, 1},
            {2, NaN, 8, 0, NaN, NaN, 0, NaN, 2}};
    private static final double[] TOTALS = {2, 3, 4, 5, 5, NaN, 0, NaN, 2};

    @Test
    void rewardStatisticsSkipNaN() {
        StepMetricsAccumulator acc = new StepMetricsAccumulator(2);
        acc.addRewards(REWARDS, TOTALS, 3);
        StepMetrics m = acc.snapshot();
        // function 0, non-NaN [1, 3, 5, 5, 0, 1]: mean 15/6 = 2.5,
        //   squared deviations 2.25 + 0.25 + 6.25 + 6.25 + 6.25 + 2.25 = 23.5, std sqrt(23.5/5)
        // function 1, non-NaN [2, 8, 0, 0, 2]: mean 12/5 = 2.4,
        //   squared deviations 0.16 + 31.36 + 5.76 + 5.76 + 0.16 = 43.2, std sqrt(43.2/4)
        assertEquals(2.5, m.rewardMeans().get(0), TOL);
        assertEquals(Math.sqrt(4.7), m.rewardStds().get(0), TOL);
        assertEquals(2.4, m.rewardMeans().get(1), TOL);
        assertEquals(Math.sqrt(10.8), m.rewardStds().get(1), TOL);
        // totals, non-NaN [2, 3, 4, 5, 5, 0, 2]: mean 3, std sqrt(20/6) (see AdvantagesTest)
        assertEquals(3, m.reward(), TOL);
        assertEquals(Math.sqrt(20.0 / 6), m.rewardStd(), TOL);
        // group stds: 1, 0, sqrt 2 -> one group in three has zero std
        assertEquals(1.0 / 3, m.fracRewardZeroStd(), TOL);
    }

    @Test
    void groupsWithFewerThanTwoRewardsDoNotCountAsZeroStd() {
        // groups [1, 1] (std 0), [NaN, 4] (one value: std NaN), [NaN, NaN] (none): 1 of 3
        StepMetricsAccumulator acc = new StepMetricsAccumulator(1);
        double[][] rewards = {{1, 1, NaN, 4, NaN, NaN}};
        acc.addRewards(rewards, rewards[0], 2);
        assertEquals(1.0 / 3, acc.snapshot().fracRewardZeroStd(), TOL);
    }

    @Test
    void batchesAddUpToTheirUnion() {
        StepMetricsAccumulator whole = new StepMetricsAccumulator(2);
        whole.addRewards(REWARDS, TOTALS, 3);
        StepMetricsAccumulator parts = new StepMetricsAccumulator(2);
        parts.addRewards(slice(REWARDS, 0, 6), Arrays.copyOfRange(TOTALS, 0, 6), 3);
        parts.addRewards(slice(REWARDS, 6, 9), Arrays.copyOfRange(TOTALS, 6, 9), 3);
        StepMetrics a = whole.snapshot();
        StepMetrics b = parts.snapshot();
        for (int k = 0; k < 2; k++) {
            assertEquals(a.rewardMeans().get(k), b.rewardMeans().get(k), TOL);
            assertEquals(a.rewardStds().get(k), b.rewardStds().get(k), TOL);
        }
        assertEquals(a.rewardStd(), b.rewardStd(), TOL);
        assertEquals(a.fracRewardZeroStd(), b.fracRewardZeroStd(), TOL);
    }

    private static double[][] slice(double[][] m, int from, int to) {
        return new double[][] {Arrays.copyOfRange(m[0], from, to),
                Arrays.copyOfRange(m[1], from, to)};
    }

    @Test
    void completionLengths() {
        // lengths [3, 8, 8, 1], two truncated: mean 20/4 = 5, min 1, max 8, clipped ratio 2/4
        StepMetricsAccumulator acc = new StepMetricsAccumulator(1);
        acc.addCompletion(3, false);
        acc.addCompletion(8, true);
        acc.addCompletion(8, true);
        acc.addCompletion(1, false);
        StepMetrics m = acc.snapshot();
        assertEquals(5, m.meanLength(), TOL);
        assertEquals(1, m.minLength(), TOL);
        assertEquals(8, m.maxLength(), TOL);
        assertEquals(0.5, m.clippedRatio(), TOL);
    }

    @Test
    void clipRatiosFromTheLoss() {
        // The clipping case of GrpoLossGoldenTest: 6 tokens, w 1.5 with A 2 clipped high, w 0.5
        // with A -1 clipped low; w 0.5 with A 2 and w 1.5 with A -1 are outside the range but not
        // clipped (the unclipped term is the minimum). low 1/6, high 1/6, region 2/6. No KL (beta 0).
        double[] w = {1.5, 0.5, 1.25, 0.5, 1.5, 0.9};
        double[] logp = new double[6];
        for (int i = 0; i < 6; i++) {
            logp[i] = Math.log(w[i]);
        }
        MicroBatch batch = new MicroBatch(2, 3, logp, new double[6], null,
                Batches.bits(1, 1, 1, 1, 1, 1), new double[] {2, -1}, null, 6);
        StepMetricsAccumulator acc = new StepMetricsAccumulator(1);
        new GrpoLoss(ObjectiveConfig.builder().epsilonHigh(0.28).build())
                .lossAndGradient(batch, new double[6], acc);
        StepMetrics m = acc.snapshot();
        assertEquals(1.0 / 6, m.clipRatioLowMean(), TOL);
        assertEquals(1.0 / 6, m.clipRatioHighMean(), TOL);
        assertEquals(2.0 / 6, m.clipRatioRegionMean(), TOL);
        assertEquals(NaN, m.kl());
        assertFalse(m.toMap(List.of("r")).containsKey("kl"));
    }

    @Test
    void klIsATokenMeanAcrossMicroBatches() {
        // micro-batch 1: 3 tokens, k3 [1 - ln 2, 0, ln 2 - 0.5], sum 0.5 (GrpoLossGoldenTest);
        // micro-batch 2: 1 token with d = ln 2 (k3 = 1 - ln 2) and 1 masked token.
        // token mean (0.5 + 1 - ln 2) / 4 = 0.30171
        GrpoLoss loss =
                new GrpoLoss(ObjectiveConfig.builder().lossType(LossType.BNPO).beta(0.1).build());
        StepMetricsAccumulator acc = new StepMetricsAccumulator(1);
        loss.lossAndGradient(new MicroBatch(1, 3, new double[] {-1, -1, -1}, null,
                new double[] {-1 + LN2, -1, -1 - LN2}, Batches.bits(1, 1, 1), new double[] {1}, null, 0),
                new double[3], acc);
        loss.lossAndGradient(new MicroBatch(1, 2, new double[] {-2, NaN}, null,
                new double[] {-2 + LN2, NaN}, Batches.bits(1, 0), new double[] {1}, null, 0),
                new double[2], acc);
        assertEquals((1.5 - LN2) / 4, acc.snapshot().kl(), TOL);
    }

    @Test
    void toMapUsesTrlNamesAndResetStartsOver() {
        StepMetricsAccumulator acc = new StepMetricsAccumulator(2);
        acc.addRewards(REWARDS, TOTALS, 3);
        acc.addCompletion(4, false);
        acc.addTokenSums(10, 1, 2, 0.25);
        Map<String, Double> map = acc.snapshot().toMap(List.of("accuracy", "format"));
        assertEquals(List.of("rewards/accuracy/mean", "rewards/accuracy/std", "rewards/format/mean",
                "rewards/format/std", "reward", "reward_std", "frac_reward_zero_std",
                "completions/mean_length", "completions/min_length", "completions/max_length",
                "completions/clipped_ratio", "kl", "clip_ratio/low_mean", "clip_ratio/high_mean",
                "clip_ratio/region_mean"), List.copyOf(map.keySet()));
        assertEquals(0.025, map.get("kl"), TOL);
        assertEquals(0.3, map.get("clip_ratio/region_mean"), TOL);
        assertMessage("rewardNames has 1 elements, expected K (reward functions) = 2",
                () -> acc.snapshot().toMap(List.of("accuracy")));
        acc.reset();
        StepMetrics empty = acc.snapshot();
        assertEquals(NaN, empty.reward());
        assertEquals(NaN, empty.meanLength());
        assertEquals(NaN, empty.minLength());
        assertEquals(NaN, empty.kl());
        assertEquals(NaN, empty.clipRatioRegionMean());
    }

    @Test
    void shapeErrors() {
        StepMetricsAccumulator acc = new StepMetricsAccumulator(2);
        assertMessage("rewards has 1 elements, expected K (reward functions) = 2",
                () -> acc.addRewards(new double[][] {{1, 2}}, new double[2], 2));
        assertMessage("rewards[1] has 3 elements, expected N (totals) = 2",
                () -> acc.addRewards(new double[][] {{1, 2}, {1, 2, 3}}, new double[2], 2));
        assertMessage("group size G = 3 must be >= 2 and divide N = 2",
                () -> acc.addRewards(new double[][] {{1, 2}, {1, 2}}, new double[2], 3));
    }
}
