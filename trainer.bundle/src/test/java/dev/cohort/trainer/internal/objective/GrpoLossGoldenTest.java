package dev.cohort.trainer.internal.objective;

import static dev.cohort.trainer.internal.objective.Batches.bits;
import static dev.cohort.trainer.internal.objective.Batches.config;
import static dev.cohort.trainer.internal.objective.Batches.expected;
import static dev.cohort.trainer.internal.objective.Batches.lossAndGradient;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Loss and gradient worked out by hand. Output arrays are {loss, dL/dlogp per token}. Padding
 * log-probs are NaN: a masked token must never be read.
 */
class GrpoLossGoldenTest {
    private static final double TOL = 1e-12;
    private static final double NaN = Double.NaN;
    private static final double LN2 = Math.log(2);
    private static final double LN1_5 = Math.log(1.5);

    // On-policy base case (oldLogp null, so w = 1 and L = -A per token, dL/dlogp = -w A = -A):
    // b = 2, T = 3, mask [1 1 0 | 1 1 1] (n0 = 2, n1 = 3, 5 tokens), A = [1, -0.5].
    // Token losses: sample 0: -1, -1; sample 1: 0.5, 0.5, 0.5. Sums: -2 and 1.5.
    private static MicroBatch base(long batchTokens) {
        return Batches.onPolicy(2, 3, new double[] {-0.5, -1, NaN, -2, -0.1, -0.3},
                bits(1, 1, 0, 1, 1, 1), new double[] {1, -0.5}, batchTokens);
    }

    @Test
    void grpoAveragesPerSampleTokenMeans() {
        // ((-2)/2 + 1.5/3) / 2 = (-1 + 0.5) / 2 = -0.25
        // grad: c0 = 1/(b n0) = 1/4 -> -1/4; c1 = 1/(b n1) = 1/6 -> 0.5/6 = 1/12
        assertArrayEquals(expected(-0.25, -0.25, -0.25, 0, 1.0 / 12, 1.0 / 12, 1.0 / 12),
                lossAndGradient(config(LossType.GRPO).build(), base(0)), TOL);
    }

    @Test
    void bnpoDividesByMicroBatchTokens() {
        // (-2 + 1.5) / 5 = -0.1; grad -1/5 = -0.2 and 0.5/5 = 0.1
        assertArrayEquals(expected(-0.1, -0.2, -0.2, 0, 0.1, 0.1, 0.1),
                lossAndGradient(config(LossType.BNPO).build(), base(0)), TOL);
    }

    @Test
    void drGrpoDividesByBTimesMaxCompletionLength() {
        // (-2 + 1.5) / (b * max_completion_length) = -0.5 / (2 * 4) = -0.0625; grad -1/8, 0.5/8
        ObjectiveConfig config = config(LossType.DR_GRPO).maxCompletionLength(4).build();
        assertArrayEquals(expected(-0.0625, -0.125, -0.125, 0, 0.0625, 0.0625, 0.0625),
                lossAndGradient(config, base(0)), TOL);
    }

    @Test
    void dapoDividesByGenerationBatchTokens() {
        // N = 10 tokens in the whole generation batch: -0.5 / 10 = -0.05; grad -1/10, 0.5/10
        assertArrayEquals(expected(-0.05, -0.1, -0.1, 0, 0.05, 0.05, 0.05),
                lossAndGradient(config(LossType.DAPO).build(), base(10)), TOL);
    }

    @Test
    void gradientAccumulationDividesAllButDapo() {
        // GA = 2 halves grpo, bnpo and dr_grpo; dapo's N already spans the micro-batches.
        assertArrayEquals(expected(-0.125, -0.125, -0.125, 0, 1.0 / 24, 1.0 / 24, 1.0 / 24),
                lossAndGradient(config(LossType.GRPO).gradientAccumulationSteps(2).build(), base(0)), TOL);
        assertArrayEquals(expected(-0.05, -0.1, -0.1, 0, 0.05, 0.05, 0.05),
                lossAndGradient(config(LossType.BNPO).gradientAccumulationSteps(2).build(), base(0)), TOL);
        assertArrayEquals(expected(-0.03125, -0.0625, -0.0625, 0, 0.03125, 0.03125, 0.03125),
                lossAndGradient(config(LossType.DR_GRPO).maxCompletionLength(4)
                        .gradientAccumulationSteps(2).build(), base(0)), TOL);
        assertArrayEquals(expected(-0.05, -0.1, -0.1, 0, 0.05, 0.05, 0.05),
                lossAndGradient(config(LossType.DAPO).gradientAccumulationSteps(2).build(), base(10)), TOL);
    }

    // Clipping on both sides, token level, oldLogp = -1, logp = -1 + ln w:
    //   sample 0, A = +2, w = [1.5, 0.5, 1.25]; sample 1, A = -1, w = [0.5, 1.5, 0.9].
    private static MicroBatch clipping() {
        double[] w = {1.5, 0.5, 1.25, 0.5, 1.5, 0.9};
        double[] logp = new double[6];
        double[] old = new double[6];
        for (int i = 0; i < 6; i++) {
            old[i] = -1;
            logp[i] = -1 + Math.log(w[i]);
        }
        return new MicroBatch(2, 3, logp, old, null, bits(1, 1, 1, 1, 1, 1), new double[] {2, -1},
                null, 6);
    }

    @Test
    void clipsLowAndHighWithAsymmetricEpsilon() {
        // dapo, N = 6, eps_low 0.2 (range starts at 0.8), eps_high 0.28 (range ends at 1.28).
        // L = -min(w A, clip(w) A); dL/dlogp = -w A unless the clipped constant is the min (then 0).
        //   w 1.5,  A  2: -min(3.0, 2.56)   = -2.56, clipped high, grad 0
        //   w 0.5,  A  2: -min(1.0, 1.6)    = -1.0,  unclipped,    grad -1.0
        //   w 1.25, A  2: inside the range  = -2.5,                grad -2.5
        //   w 0.5,  A -1: -min(-0.5, -0.8)  =  0.8,  clipped low,  grad 0
        //   w 1.5,  A -1: -min(-1.5, -1.28) =  1.5,  unclipped,    grad 1.5
        //   w 0.9,  A -1: inside the range  =  0.9,                grad 0.9
        // sum -2.56 - 1 - 2.5 + 0.8 + 1.5 + 0.9 = -2.86; loss -2.86 / 6 = -0.47666...
        ObjectiveConfig config = config(LossType.DAPO).epsilonHigh(0.28).build();
        assertArrayEquals(expected(-2.86 / 6, 0, -1.0 / 6, -2.5 / 6, 0, 1.5 / 6, 0.9 / 6),
                lossAndGradient(config, clipping()), TOL);
    }

    @Test
    void clipsWithSymmetricEpsilon() {
        // eps 0.2 both sides: w 1.5 with A 2 gives -min(3, 2.4) = -2.4, and now w 1.25 > 1.2 is
        // clipped high too: -min(2.5, 2.4) = -2.4, grad 0. Sum -2.4 - 1 - 2.4 + 0.8 + 1.5 + 0.9 = -2.6
        assertArrayEquals(expected(-2.6 / 6, 0, -1.0 / 6, 0, 0, 1.5 / 6, 0.9 / 6),
                lossAndGradient(config(LossType.DAPO).build(), clipping()), TOL);
    }

    @Test
    void klPenaltyUsesK3Estimator() {
        // b = 1, T = 3, A = 1, bnpo, on-policy, beta 0.1, d = ref - logp = [ln 2, 0, -ln 2]:
        //   k3 = e^d - d - 1 = [1 - ln 2, 0, ln 2 - 0.5] = [0.30685, 0, 0.19315], sum exactly 0.5
        //   dk3/dlogp = 1 - e^d = [-1, 0, 0.5]
        // loss (-3 + 0.1 * 0.5) / 3 = -2.95 / 3; grad (-1 + 0.1 * [-1, 0, 0.5]) / 3
        double[] logp = {-1, -1, -1};
        double[] ref = {-1 + LN2, -1, -1 - LN2};
        MicroBatch batch = new MicroBatch(1, 3, logp, null, ref, bits(1, 1, 1), new double[] {1},
                null, 0);
        ObjectiveConfig config = config(LossType.BNPO).beta(0.1).build();
        assertArrayEquals(expected(-2.95 / 3, -1.1 / 3, -1.0 / 3, -0.95 / 3),
                lossAndGradient(config, batch), TOL);
    }

    @Test
    void sequenceLevelSharesOneRatioPerSample() {
        // dapo N = 6, eps 0.2 / 0.28, oldLogp -1, mask [1 1 0] in each of 3 samples.
        //   s0: A +1, l = [ln 2, 0] -> w_s = exp(ln 2 / 2) = sqrt 2 = 1.41421 > 1.28, clipped high:
        //       L = -1.28 per token (sum -2.56), grad 0
        //   s1: A -1, same l -> w_s = sqrt 2, unclipped (A < 0): L = sqrt 2 per token (sum 2 sqrt 2);
        //       d(sum_t L)/dl_t = n * (-w_s A) * (1/n) = sqrt 2, so grad sqrt 2 / 6 = 0.2357
        //   s2: A +1, l = [ln 1.5, -ln 1.5] -> w_s = 1 (token level would clip 1.5): L = -1 per
        //       token (sum -2), grad -1/6
        // loss (-2.56 + 2 sqrt 2 - 2) / 6 = -0.2885954792
        double[] old = {-1, -1, -1, -1, -1, -1, -1, -1, -1};
        double[] logp = {-1 + LN2, -1, NaN, -1 + LN2, -1, NaN, -1 + LN1_5, -1 - LN1_5, NaN};
        MicroBatch batch = new MicroBatch(3, 3, logp, old, null, bits(1, 1, 0, 1, 1, 0, 1, 1, 0),
                new double[] {1, -1, 1}, null, 6);
        ObjectiveConfig config = config(LossType.DAPO).epsilonHigh(0.28)
                .importanceSampling(ImportanceSampling.SEQUENCE).build();
        double r = Math.sqrt(2) / 6;
        assertArrayEquals(expected((-4.56 + 2 * Math.sqrt(2)) / 6, 0, 0, 0, r, r, 0, -1.0 / 6,
                -1.0 / 6, 0), lossAndGradient(config, batch), TOL);
        assertEquals(-0.2885954792089682, lossAndGradient(config, batch)[0], TOL);
    }

    // b = 2, T = 2, full mask, on-policy, A = [1, -3], sample 1 truncated.
    private static MicroBatch truncation() {
        return new MicroBatch(2, 2, new double[] {-1, -2, -3, -4}, null, null, bits(1, 1, 1, 1),
                new double[] {1, -3}, new boolean[] {false, true}, 4);
    }

    @Test
    void maskTruncatedCompletionsDropsTruncatedSamples() {
        // off: bnpo (-1 - 1 + 3 + 3) / 4 = 1, grad -1/4 and 3/4
        assertArrayEquals(expected(1, -0.25, -0.25, 0.75, 0.75),
                lossAndGradient(config(LossType.BNPO).build(), truncation()), TOL);
        // on: sample 1 has an all-zero mask: bnpo (-1 - 1) / 2 = -1, grad -1/2, 0
        ObjectiveConfig on = config(LossType.BNPO).maskTruncatedCompletions(true).build();
        assertArrayEquals(expected(-1, -0.5, -0.5, 0, 0), lossAndGradient(on, truncation()), TOL);
        // grpo still averages over b = 2 samples: (-2/2 + 0/max(1, 0)) / 2 = -0.5, grad -1/4
        ObjectiveConfig grpo = config(LossType.GRPO).maskTruncatedCompletions(true).build();
        assertArrayEquals(expected(-0.5, -0.25, -0.25, 0, 0), lossAndGradient(grpo, truncation()), TOL);
    }

    @Test
    void endToEndFromRewardsToLoss() {
        // rewards [1, 0, NaN, 0] in 2 groups of G = 2, group scaling:
        //   group 0 [1, 0]: mean 0.5, std sqrt(0.5) = 0.70711 -> A = +-0.5 / (0.70711 + 1e-4)
        //   group 1 [NaN, 0]: one value, std NaN -> A = 0, 0
        double[] advantages = new double[4];
        ObjectiveConfig config = config(LossType.GRPO).build();
        new Advantages(config).compute(new double[][] {{1, 0, NaN, 0}}, new double[] {1}, 2,
                advantages, new double[4]);
        double a = 0.5 / (Math.sqrt(0.5) + 1e-4);
        assertArrayEquals(new double[] {a, -a, 0, 0}, advantages, TOL);
        // on-policy, one token each, grpo: mean over 4 samples of -A = 0; grad -A / 4
        MicroBatch batch = Batches.onPolicy(4, 1, new double[] {-1, -1, -1, -1}, bits(1, 1, 1, 1),
                advantages, 0);
        assertArrayEquals(expected(0, -a / 4, a / 4, 0, 0), lossAndGradient(config, batch), TOL);
    }
}
