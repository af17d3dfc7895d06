package dev.cohort.trainer.internal.objective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Golden advantages worked out by hand, group-sum and NaN properties, shape errors. */
class AdvantagesTest {
    private static final double NaN = Double.NaN;
    private static final double TOL = 1e-12;
    private static final double SQRT2 = Math.sqrt(2);

    // sum_then_normalize fixture: K = 2, weights [1, 0.5], G = 3, N = 9.
    // Totals R = r0 + 0.5 r1, skipping NaN:
    //   group 0: [1 + 0.5*2, 3, 0.5*8] = [2, 3, 4]  mean 3, unbiased std sqrt((1+0+1)/2) = 1
    //   group 1: [5 + 0, 5, NaN]       = [5, 5, NaN] mean 5, std 0 (zero variance); sample 5 all NaN
    //   group 2: [0, NaN, 1 + 0.5*2]  = [0, NaN, 2] mean 1, std sqrt((1+1)/1) = sqrt 2; 7 all NaN
    private static final double[][] REWARDS = {
            {1, 3, NaN, 5, 5, NaN, 0, NaN, 1},
            {2, NaN, 8, 0, NaN, NaN, 0, NaN, 2}};
    private static final double[] WEIGHTS = {1, 0.5};
    private static final double[] TOTALS = {2, 3, 4, 5, 5, NaN, 0, NaN, 2};

    private static double[][] run(
            ObjectiveConfig config, double[][] rewards, double[] weights, int g) {
        int n = rewards[0].length;
        double[] advantages = new double[n];
        double[] totals = new double[n];
        new Advantages(config).compute(rewards, weights, g, advantages, totals);
        return new double[][] {advantages, totals};
    }

    private static ObjectiveConfig scale(ScaleRewards scale) {
        return ObjectiveConfig.builder().scaleRewards(scale).build();
    }

    @Test
    void groupScalingDividesByGroupStdPlus1e4() {
        double[][] out = run(scale(ScaleRewards.GROUP), REWARDS, WEIGHTS, 3);
        assertArrayEquals(TOTALS, out[1], TOL);
        // group 0: (R - 3) / (1 + 1e-4) = -1/1.0001 = -0.99990001, 0, +0.99990001
        // group 1: numerators 5 - 5 = 0 exactly -> 0; the all-NaN sample 5 -> NaN -> 0
        // group 2: (0 - 1) / (sqrt2 + 1e-4) = -0.70705678, sample 7 -> 0, +0.70705678
        double a = 1 / 1.0001;
        double c = 1 / (SQRT2 + 1e-4);
        assertArrayEquals(new double[] {-a, 0, a, 0, 0, 0, -c, 0, c}, out[0], TOL);
        assertEquals(0.0, out[0][3], 0.0, "zero-variance group gives exactly 0");
    }

    @Test
    void batchScalingDividesByBatchStdPlus1e4() {
        double[][] out = run(scale(ScaleRewards.BATCH), REWARDS, WEIGHTS, 3);
        // numerators R - group mean: [-1, 0, 1, 0, 0, NaN, -1, NaN, 1]
        // batch std over the 7 non-NaN R [2, 3, 4, 5, 5, 0, 2]: mean 21/7 = 3, squared deviations
        // 1 + 0 + 1 + 4 + 4 + 9 + 1 = 20, unbiased variance 20/6, std 1.8257418583505538
        // 1 / (1.8257418583505538 + 1e-4) = 0.5476925591482438
        double u = 1 / (Math.sqrt(20.0 / 6) + 1e-4);
        assertArrayEquals(new double[] {-u, 0, u, 0, 0, 0, -u, 0, u}, out[0], TOL);
        assertEquals(0.5476925591482438, u, 1e-15);
    }

    @Test
    void noScalingOnlyCentres() {
        double[][] out = run(scale(ScaleRewards.NONE), REWARDS, WEIGHTS, 3);
        // R - group mean; NaN samples 0
        assertArrayEquals(new double[] {-1, 0, 1, 0, 0, 0, -1, 0, 1}, out[0], TOL);
    }

    // normalize_then_sum fixture: K = 2, weights [1, 2], G = 3, N = 6.
    //   r0 group 0 [0, 1, 2]: mean 1, std 1           -> z = [-1, 0, 1] / 1.0001 = [-a, 0, a]
    //   r1 group 0 [10, 10, 10]: std 0, numerators 0  -> z = [0, 0, 0]
    //   r0 group 1 [4, NaN, 6]: mean 5, std sqrt 2    -> z = [-c, NaN, c], c = 1/(sqrt2 + 1e-4)
    //   r1 group 1 [NaN, NaN, 3]: one value, std NaN  -> z = NaN for all, contributes 0
    // S = sum_k w_k z_k over non-NaN z = [-a, 0, a, -c, NaN (no reward at all), c]
    // batch over the 5 non-NaN S: mean 0, unbiased std s = sqrt((2a^2 + 2c^2)/4) = 0.8659472636
    // A = S / (s + 1e-4): a -> 1.1545559370, c -> 0.8164182423; sample 4 -> 0
    private static final double[][] NTS_REWARDS = {{0, 1, 2, 4, NaN, 6}, {10, 10, 10, NaN, NaN, 3}};
    private static final double[] NTS_WEIGHTS = {1, 2};

    @Test
    void normalizeThenSumZScoresPerFunctionThenNormalizesOverBatch() {
        ObjectiveConfig config = ObjectiveConfig.builder()
                .aggregation(RewardAggregation.NORMALIZE_THEN_SUM).build();
        double[][] out = run(config, NTS_REWARDS, NTS_WEIGHTS, 3);
        double a = 1 / 1.0001;
        double c = 1 / (SQRT2 + 1e-4);
        double s = Math.sqrt((2 * a * a + 2 * c * c) / 4) + 1e-4;
        assertArrayEquals(new double[] {-a / s, 0, a / s, -c / s, 0, c / s}, out[0], TOL);
        assertEquals(1.154555937044853, a / s, 1e-12);
        // totals stay the raw weighted sums: [0 + 20, 1 + 20, 2 + 20, 4, NaN, 6 + 2*3]
        assertArrayEquals(new double[] {20, 21, 22, 4, NaN, 12}, out[1], TOL);
    }

    @Test
    void normalizeThenSumIgnoresScaleRewards() {
        for (ScaleRewards scale : ScaleRewards.values()) {
            ObjectiveConfig config = ObjectiveConfig.builder().scaleRewards(scale)
                    .aggregation(RewardAggregation.NORMALIZE_THEN_SUM).build();
            ObjectiveConfig reference = ObjectiveConfig.builder()
                    .aggregation(RewardAggregation.NORMALIZE_THEN_SUM).build();
            assertArrayEquals(run(reference, NTS_REWARDS, NTS_WEIGHTS, 3)[0],
                    run(config, NTS_REWARDS, NTS_WEIGHTS, 3)[0], 0.0, scale.key());
        }
    }

    @Test
    void groupWithSingleRewardedSampleGetsZeroUnderGroupScaling() {
        // group [7, NaN, NaN]: mean 7, unbiased std of one value is 0/0 = NaN (as torch), so
        // (7 - 7) / (NaN + 1e-4) = NaN -> 0. Under none it is 7 - 7 = 0 as well.
        double[][] rewards = {{7, NaN, NaN, 1, 2, 3}};
        for (ScaleRewards scale : ScaleRewards.values()) {
            double[] a = run(scale(scale), rewards, new double[] {1}, 3)[0];
            assertEquals(0, a[0], 0.0, scale.key());
            assertEquals(0, a[1], 0.0, scale.key());
        }
        assertEquals(Double.NaN, NanStats.std(new double[] {7, NaN}, 0, 2));
    }

    @Test
    void groupWithoutRewardsGetsZero() {
        double[][] rewards = {{NaN, NaN, 1, 2}, {NaN, NaN, NaN, 0}};
        for (RewardAggregation aggregation : RewardAggregation.values()) {
            ObjectiveConfig config = ObjectiveConfig.builder().aggregation(aggregation).build();
            double[][] out = run(config, rewards, new double[] {1, 1}, 2);
            assertEquals(0, out[0][0], 0.0);
            assertEquals(0, out[0][1], 0.0);
            assertEquals(NaN, out[1][0]);
        }
    }

    @Test
    void advantagesSumToZeroInEachGroupUnderGroupScaling() {
        Random random = new Random(11);
        for (int trial = 0; trial < 200; trial++) {
            int g = 2 + random.nextInt(7);
            int n = g * (1 + random.nextInt(5));
            int k = 1 + random.nextInt(3);
            double[][] rewards = new double[k][n];
            double[] weights = new double[k];
            for (int f = 0; f < k; f++) {
                weights[f] = random.nextDouble() * 2 - 0.5;
                for (int i = 0; i < n; i++) {
                    rewards[f][i] = random.nextInt(3) == 0 ? random.nextInt(2) : random.nextGaussian() * 5;
                }
            }
            double[] a = run(scale(ScaleRewards.GROUP), rewards, weights, g)[0];
            for (int from = 0; from < n; from += g) {
                double sum = 0;
                for (int i = from; i < from + g; i++) {
                    assertFalse(Double.isNaN(a[i]));
                    sum += a[i];
                }
                assertEquals(0, sum, 1e-9, "trial " + trial + " group " + from / g);
            }
        }
    }

    @Test
    void nanIsNeverReturned() {
        Random random = new Random(12);
        for (int trial = 0; trial < 200; trial++) {
            double[][] rewards = new double[2][8];
            for (double[] column : rewards) {
                for (int i = 0; i < column.length; i++) {
                    column[i] = random.nextInt(3) == 0 ? NaN : random.nextGaussian();
                }
            }
            for (RewardAggregation aggregation : RewardAggregation.values()) {
                for (ScaleRewards scale : ScaleRewards.values()) {
                    ObjectiveConfig config = ObjectiveConfig.builder().aggregation(aggregation)
                            .scaleRewards(scale).build();
                    double[][] out = run(config, rewards, new double[] {1, 0.5}, 4);
                    for (int i = 0; i < 8; i++) {
                        assertFalse(Double.isNaN(out[0][i]), aggregation + " " + scale + " " + i);
                        boolean noReward = Double.isNaN(rewards[0][i]) && Double.isNaN(rewards[1][i]);
                        assertEquals(noReward, Double.isNaN(out[1][i]));
                        if (noReward) {
                            assertEquals(0, out[0][i], 0.0);
                        }
                    }
                }
            }
        }
    }

    @Test
    void reusedInstanceGivesTheSameResultForDifferentSizes() {
        ObjectiveConfig config = ObjectiveConfig.builder()
                .aggregation(RewardAggregation.NORMALIZE_THEN_SUM).build();
        Advantages advantages = new Advantages(config);
        double[] small = new double[6];
        double[] big = new double[12];
        advantages.compute(NTS_REWARDS, NTS_WEIGHTS, 3, small, new double[6]);
        double[][] twice = {new double[12], new double[12]};
        for (int k = 0; k < 2; k++) {
            System.arraycopy(NTS_REWARDS[k], 0, twice[k], 0, 6);
            System.arraycopy(NTS_REWARDS[k], 0, twice[k], 6, 6);
        }
        advantages.compute(twice, NTS_WEIGHTS, 3, big, new double[12]);
        advantages.compute(NTS_REWARDS, NTS_WEIGHTS, 3, small, new double[6]);
        assertArrayEquals(run(config, NTS_REWARDS, NTS_WEIGHTS, 3)[0], small, 0.0);
    }

    @Test
    void steadyStateAllocatesNothing() {
        for (RewardAggregation aggregation : RewardAggregation.values()) {
            Advantages advantages = new Advantages(ObjectiveConfig.builder().aggregation(aggregation)
                    .scaleRewards(ScaleRewards.BATCH).build());
            double[] out = new double[9];
            double[] totals = new double[9];
            long bytes = Allocations.steadyStateBytes(
                    () -> advantages.compute(REWARDS, WEIGHTS, 3, out, totals));
            assertEquals(0, bytes, 1024, aggregation.key() + ": bytes allocated by 1000 calls");
        }
    }

    @Test
    void shapeErrorsNameTheTensorAndBothShapes() {
        Advantages advantages = new Advantages(ObjectiveConfig.defaults());
        double[][] rewards = {{1, 2, 3, 4}, {1, 2, 3}};
        assertMessage("rewards[1] has 3 elements, expected N (length of rewards[0]) = 4",
                () -> advantages.compute(rewards, new double[] {1, 1}, 2, new double[4], new double[4]));
        assertMessage("weights has 1 elements, expected K (columns of rewards) = 2",
                () -> advantages.compute(REWARDS, new double[] {1}, 3, new double[9], new double[9]));
        assertMessage("advantages has 8 elements, expected N (length of rewards[0]) = 9",
                () -> advantages.compute(REWARDS, WEIGHTS, 3, new double[8], new double[9]));
        assertMessage("totals has 10 elements, expected N (length of rewards[0]) = 9",
                () -> advantages.compute(REWARDS, WEIGHTS, 3, new double[9], new double[10]));
        assertMessage("group size G = 2 must be >= 2 and divide N = 9 (a batch of whole groups)",
                () -> advantages.compute(REWARDS, WEIGHTS, 2, new double[9], new double[9]));
        assertMessage("group size G = 1 must be >= 2 and divide N = 9 (a batch of whole groups)",
                () -> advantages.compute(REWARDS, WEIGHTS, 1, new double[9], new double[9]));
        assertMessage("rewards[1] is null, expected [N] values", () -> advantages.compute(
                new double[][] {{1, 2}, null}, new double[] {1, 1}, 2, new double[2], new double[2]));
        assertMessage("weights[1] is NaN, expected a finite number",
                () -> advantages.compute(REWARDS, new double[] {1, NaN}, 3, new double[9], new double[9]));
    }

    static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, call).getMessage());
    }
}
