package dev.cohort.trainer.internal.objective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Golden values of TRL's vLLM importance-sampling ratio in its four modes, of the off-policy
 * sequence mask and of their metrics, worked by hand (the arithmetic is in the comments), and the
 * loss and gradient with these weights.
 */
class OffPolicyCorrectionTest {

    private static final double NAN = Double.NaN;
    private static final double E05 = Math.exp(0.5); // 1.6487212707001282
    private static final double EM1 = Math.exp(-1); // 0.36787944117144233

    // b = 2, T = 3; sample 0 has two tokens (padding holds NaN, never read), sample 1 three.
    // l = old - sampling: sample 0 [0.5, -1.0], sample 1 [1.0, 0.0, -1.0].
    private static final boolean[] MASK = {true, true, false, true, true, true};
    private static final double[] OLD = {-1.0, -2.0, NAN, -0.2, -0.3, -3.0};
    private static final double[] SAMPLING = {-1.5, -1.0, NAN, -1.2, -0.3, -2.0};

    private static double[] ratios(VllmImportanceSampling mode, double cap, OffPolicyStats stats) {
        double[] r = new double[6];
        OffPolicyCorrection.importanceRatios(mode, cap, 2, 3, OLD, SAMPLING, MASK, r, stats);
        return r;
    }

    @Test
    void tokenTruncateCapsEachTokenRatio() {
        OffPolicyStats stats = new OffPolicyStats();
        double[] r = ratios(VllmImportanceSampling.TOKEN_TRUNCATE, 2.0, stats);
        // exp(0.5), exp(-1); exp(1) = 2.718 > 2 becomes 2; exp(0) = 1; exp(-1)
        assertEquals(E05, r[0], 1e-15);
        assertEquals(EM1, r[1], 1e-15);
        assertEquals(2.0, r[3], 0);
        assertEquals(1.0, r[4], 0);
        assertEquals(EM1, r[5], 1e-15);
        Map<String, Double> m = stats.toMap();
        // ratios over the 5 real tokens: (1.6487212707 + 0.3678794412 + 2 + 1 + 0.3678794412) / 5
        assertEquals(5.384480153043, 5 * m.get("sampling/importance_sampling_ratio/mean"), 1e-11);
        assertEquals(EM1, m.get("sampling/importance_sampling_ratio/min"), 1e-15);
        assertEquals(2.0, m.get("sampling/importance_sampling_ratio/max"), 0);
        assertEquals(0.2, m.get("sampling/importance_sampling_ratio/capped_fraction"), 1e-15);
        // |l| = 0.5, 1, 1, 0, 1: mean 3.5 / 5, max 1
        assertEquals(0.7, m.get("sampling/sampling_logp_difference/mean"), 1e-15);
        assertEquals(1.0, m.get("sampling/sampling_logp_difference/max"), 0);
    }

    @Test
    void tokenMaskZeroesTheTokenAboveTheCap() {
        OffPolicyStats stats = new OffPolicyStats();
        double[] r = ratios(VllmImportanceSampling.TOKEN_MASK, 2.0, stats);
        assertEquals(0.0, r[3], 0);
        assertEquals(E05, r[0], 1e-15);
        Map<String, Double> m = stats.toMap();
        // (1.6487212707 + 0.3678794412 + 0 + 1 + 0.3678794412) / 5 = 0.6768960306
        assertEquals(0.676896030609, m.get("sampling/importance_sampling_ratio/mean"), 1e-11);
        assertEquals(0.0, m.get("sampling/importance_sampling_ratio/min"), 0);
        assertEquals(E05, m.get("sampling/importance_sampling_ratio/max"), 1e-15);
    }

    @Test
    void sequenceTruncateUsesTheSumOfTokenLogRatios() {
        OffPolicyStats stats = new OffPolicyStats();
        double[] r = ratios(VllmImportanceSampling.SEQUENCE_TRUNCATE, 0.9, stats);
        // sample 0: exp(0.5 - 1) = exp(-0.5) = 0.6065306597 on every token; sample 1: exp(0) = 1 > 0.9 -> 0.9
        assertEquals(Math.exp(-0.5), r[0], 1e-15);
        assertEquals(Math.exp(-0.5), r[1], 1e-15);
        assertEquals(0.9, r[3], 0);
        assertEquals(0.9, r[5], 0);
        Map<String, Double> m = stats.toMap();
        // one ratio per sequence: (0.6065306597 + 0.9) / 2
        assertEquals(0.753265329856, m.get("sampling/importance_sampling_ratio/mean"), 1e-11);
        assertEquals(0.5, m.get("sampling/importance_sampling_ratio/capped_fraction"), 0);
    }

    @Test
    void sequenceMaskDropsTheWholeSequence() {
        OffPolicyStats stats = new OffPolicyStats();
        double[] r = ratios(VllmImportanceSampling.SEQUENCE_MASK, 0.9, stats);
        assertEquals(Math.exp(-0.5), r[1], 1e-15);
        assertEquals(0.0, r[3], 0);
        assertEquals(0.0, r[4], 0);
        assertEquals(0.0, r[5], 0);
        Map<String, Double> m = stats.toMap();
        assertEquals(Math.exp(-0.5) / 2, m.get("sampling/importance_sampling_ratio/mean"), 1e-15);
        assertEquals(0.0, m.get("sampling/importance_sampling_ratio/min"), 0);
        // TRL's default cap 3 keeps both: exp(-0.5) and 1
        double[] kept = ratios(VllmImportanceSampling.SEQUENCE_MASK, 3.0, new OffPolicyStats());
        assertEquals(1.0, kept[4], 0);
    }

    @Test
    void offPolicyMaskDropsNegativeAdvantagesWithHighKl() {
        // b = 3, T = 2, all tokens real; threshold 0.5
        double[] sampling = {-1, -1, -1, -1, -1, -1};
        double[] logp = {-2, -1.5, -1.2, -1.4, -3, -3};
        double[] advantages = {-1, -1, 0.5};
        double[] w = {1, 1, 1, 1, 1, 1};
        OffPolicyStats stats = new OffPolicyStats();
        OffPolicyCorrection.offPolicyMask(0.5, 3, 2, advantages, logp, sampling, new boolean[] {true, true, true,
            true, true, true}, w, stats);
        // s0: KL (1 + 0.5) / 2 = 0.75 > 0.5 and A < 0: dropped; s1: (0.2 + 0.4) / 2 = 0.3: kept;
        // s2: KL 2 but A >= 0: kept
        assertEquals(0, w[0], 0);
        assertEquals(0, w[1], 0);
        assertEquals(1, w[2], 0);
        assertEquals(1, w[5], 0);
        assertEquals(1.0 / 3, stats.toMap().get("sampling/off_policy_mask/masked_fraction"), 1e-15);
        assertEquals(null, stats.toMap().get("sampling/importance_sampling_ratio/mean"));
    }

    @Test
    void weightsScaleTheSurrogateAndItsGradientButNotTheKl() {
        ObjectiveConfig c = ObjectiveConfig.defaults();
        GrpoLoss loss = new GrpoLoss(c);
        // one sample, 2 tokens, A = 1, ratio 1 (no oldLogp): S = -1 per token; dapo with N = 2
        MicroBatch mb = new MicroBatch(1, 2, new double[] {-1, -2}, null, null, new boolean[] {true, true},
                new double[] {1}, null, 2, new double[] {0.5, 2});
        double[] d = new double[2];
        // (0.5 * -1 + 2 * -1) / 2 = -1.25; dS/dl = -1, so dLogp = rho / 2 * -1
        assertEquals(-1.25, loss.lossAndGradient(mb, d, null), 1e-15);
        assertEquals(-0.25, d[0], 1e-15);
        assertEquals(-1.0, d[1], 1e-15);
    }

    @Test
    void atSequenceLevelEveryTokenGetsTheMeanWeight() {
        ObjectiveConfig c = ObjectiveConfig.builder().importanceSampling(ImportanceSampling.SEQUENCE).build();
        GrpoLoss loss = new GrpoLoss(c);
        MicroBatch mb = new MicroBatch(1, 2, new double[] {-1, -2}, null, null, new boolean[] {true, true},
                new double[] {1}, null, 2, new double[] {0.5, 2});
        double[] d = new double[2];
        // loss as at token level; each token's gradient: c * mean(rho) * dS/dlog w = 1/2 * 1.25 * -1
        assertEquals(-1.25, loss.lossAndGradient(mb, d, null), 1e-15);
        assertEquals(-0.625, d[0], 1e-15);
        assertEquals(-0.625, d[1], 1e-15);
    }

    @Test
    void weightedGradientMatchesFiniteDifferences() {
        for (ImportanceSampling level : ImportanceSampling.values()) {
            ObjectiveConfig c = ObjectiveConfig.builder().importanceSampling(level).beta(0.04).build();
            GrpoLoss loss = new GrpoLoss(c);
            double[] logp = {-1.0, -2.1, -0.7, -1.3, -0.9, -1.6};
            double[] old = {-1.05, -2.0, -0.72, -1.25, -0.95, -1.61};
            double[] ref = {-1.2, -1.9, -0.6, -1.4, -1.0, -1.5};
            boolean[] mask = {true, true, true, true, true, false};
            double[] adv = {0.8, -0.6};
            double[] w = {0.5, 1.7, 0.0, 1.2, 2.5, 1.0};
            double[] d = new double[6];
            loss.lossAndGradient(new MicroBatch(2, 3, logp, old, ref, mask, adv, null, 5, w), d, null);
            for (int i = 0; i < 5; i++) {
                double h = 1e-6;
                double[] up = logp.clone();
                double[] down = logp.clone();
                up[i] += h;
                down[i] -= h;
                double fd = (loss.lossAndGradient(new MicroBatch(2, 3, up, old, ref, mask, adv, null, 5, w),
                        new double[6], null) - loss.lossAndGradient(new MicroBatch(2, 3, down, old, ref, mask, adv,
                                null, 5, w), new double[6], null)) / (2 * h);
                assertEquals(fd, d[i], 1e-8, level + " token " + i);
            }
        }
    }

    @Test
    void shapeErrorsNameTheTensor() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MicroBatch(1, 2,
                new double[2], null, null, new boolean[2], new double[1], null, 2, new double[3]));
        assertEquals(true, e.getMessage().startsWith("weights has 3 elements"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new OffPolicySettings(true, VllmImportanceSampling.TOKEN_MASK, 0, Double.NaN));
    }
}
