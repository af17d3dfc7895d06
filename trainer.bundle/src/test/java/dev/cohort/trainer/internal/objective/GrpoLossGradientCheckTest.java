package dev.cohort.trainer.internal.objective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The analytic dLoss/dlogp against central finite differences, for every loss type and every
 * combination of options, on random micro-batches with fixed seeds.
 *
 * <p>Tolerance: the central difference (f(x+h) - f(x-h)) / 2h has truncation error h^2/6 * f'''
 * and rounding error about eps * |f| / h. Here |f| and f''' are O(1) (ratios within
 * exp(+-1), advantages O(1), per-token factors c_s <= 1), so with h = 1e-5 both are near 1e-10
 * (h^2 = 1e-10; eps/h = 2.2e-16/1e-5 = 2e-11), four orders of magnitude under the 1e-6 we
 * assert. The loss is only piecewise smooth: it has a kink where a ratio crosses 1 - eps_low or
 * 1 + eps_high. A step h moves a ratio w by about w*h < 1e-4, so the batches are built with every
 * ratio (per token, or per sample at sequence level) at least 1e-3 away from both boundaries;
 * a batch that is not is drawn again.
 */
class GrpoLossGradientCheckTest {
    private static final double H = 1e-5;
    private static final double TOL = 1e-6;
    private static final double KINK_MARGIN = 1e-3;
    private static final int SEEDS = 6;

    private final StepMetricsAccumulator clipCoverage = new StepMetricsAccumulator(1);

    @Test
    void analyticGradientMatchesFiniteDifferencesForEveryOptionCombination() {
        int cases = 0;
        for (LossType lossType : LossType.values()) {
            for (ImportanceSampling level : ImportanceSampling.values()) {
                for (int options = 0; options < 16; options++) {
                    for (int seed = 0; seed < SEEDS; seed++) {
                        long s = ((long) lossType.ordinal() << 32) ^ ((long) level.ordinal() << 24)
                                ^ (options << 8) ^ seed;
                        double error = check(new Random(s), lossType, level, options);
                        assertTrue(error < TOL, lossType.key() + " " + level.key() + " options " + options
                                + " seed " + seed + ": |analytic - numeric| = " + error);
                        cases++;
                    }
                }
            }
        }
        assertEquals(4 * 2 * 16 * SEEDS, cases);
        // The draws reach both clipped regions, so the zero-gradient branches are checked too.
        StepMetrics coverage = clipCoverage.snapshot();
        assertTrue(coverage.clipRatioLowMean() > 0.02, "low-clipped tokens " + coverage);
        assertTrue(coverage.clipRatioHighMean() > 0.02, "high-clipped tokens " + coverage);
    }

    /** options bits: 1 beta > 0, 2 oldLogp given, 4 mask_truncated_completions, 8 GA = 3. */
    private double check(Random random, LossType lossType, ImportanceSampling level,
            int options) {
        boolean withBeta = (options & 1) != 0;
        boolean withOld = (options & 2) != 0;
        ObjectiveConfig config = ObjectiveConfig.builder()
                .lossType(lossType)
                .importanceSampling(level)
                .beta(withBeta ? 0.01 + 0.2 * random.nextDouble() : 0)
                .epsilon(0.1 + 0.2 * random.nextDouble())
                .epsilonHigh(0.1 + 0.3 * random.nextDouble())
                .maskTruncatedCompletions((options & 4) != 0)
                .gradientAccumulationSteps((options & 8) != 0 ? 3 : 1)
                .numIterations(withOld ? 2 : 1)
                .maxCompletionLength(6 + random.nextInt(4))
                .build();
        MicroBatch batch;
        do {
            batch = RandomBatches.draw(random, withOld, withBeta || random.nextBoolean());
        } while (!RandomBatches.awayFromKinks(batch, config, KINK_MARGIN));
        return maxError(config, batch);
    }

    /** max over tokens of |analytic - central difference|. */
    private double maxError(ObjectiveConfig config, MicroBatch batch) {
        GrpoLoss loss = new GrpoLoss(config);
        double[] analytic = new double[batch.logp().length];
        loss.lossAndGradient(batch, analytic, clipCoverage);
        // Finite differences need oldLogp held fixed: without one, "old" is the current logp
        // detached, i.e. a constant equal to the unperturbed logp.
        MicroBatch fixedOld = RandomBatches.withOld(batch,
                batch.oldLogp() != null ? batch.oldLogp() : batch.logp().clone());
        double[] scratch = new double[analytic.length];
        double worst = 0;
        for (int i = 0; i < analytic.length; i++) {
            double x = fixedOld.logp()[i];
            fixedOld.logp()[i] = x + H;
            double plus = loss.lossAndGradient(fixedOld, scratch, null);
            fixedOld.logp()[i] = x - H;
            double minus = loss.lossAndGradient(fixedOld, scratch, null);
            fixedOld.logp()[i] = x;
            double numeric = (plus - minus) / (2 * H);
            worst = Math.max(worst, Math.abs(numeric - analytic[i]));
            if (!fixedOld.mask()[i]) {
                assertEquals(0, analytic[i], 0.0, "masked token " + i);
            }
        }
        return worst;
    }

    @Test
    void lossAndGradientAreZeroWhenEveryAdvantageIsZeroAndBetaIsZero() {
        Random random = new Random(21);
        for (int trial = 0; trial < 200; trial++) {
            MicroBatch drawn = RandomBatches.draw(random, random.nextBoolean(), false);
            MicroBatch batch = new MicroBatch(drawn.samples(), drawn.tokens(), drawn.logp(),
                    drawn.oldLogp(), null, drawn.mask(), new double[drawn.samples()], drawn.truncated(),
                    drawn.batchTokens());
            for (LossType lossType : LossType.values()) {
                ObjectiveConfig config = ObjectiveConfig.builder().lossType(lossType)
                        .importanceSampling(ImportanceSampling.values()[trial % 2])
                        .maskTruncatedCompletions(trial % 3 == 0)
                        .numIterations(batch.oldLogp() != null ? 2 : 1).build();
                double[] grad = new double[batch.logp().length];
                assertEquals(0, new GrpoLoss(config).lossAndGradient(batch, grad, null), 0.0);
                for (double g : grad) {
                    assertEquals(0, g, 0.0);
                }
            }
        }
    }
}
