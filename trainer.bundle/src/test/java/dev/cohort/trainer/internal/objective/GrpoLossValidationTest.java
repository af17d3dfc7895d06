package dev.cohort.trainer.internal.objective;

import static dev.cohort.trainer.internal.objective.AdvantagesTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Shape and missing-input errors name the tensor and both shapes; a reused instance grows its
 * workspace and allocates nothing in the steady state.
 */
class GrpoLossValidationTest {
    private static final int B = 4;
    private static final int T = 8;

    private static MicroBatch batch(double[] logp, double[] old, double[] ref, boolean[] mask,
            double[] advantages, boolean[] truncated) {
        return new MicroBatch(B, T, logp, old, ref, mask, advantages, truncated, 10);
    }

    private static double[] d(int n) {
        return new double[n];
    }

    @Test
    void microBatchShapeErrors() {
        boolean[] mask = new boolean[32];
        assertMessage("logp has 30 elements, expected b*T = 4*8 = 32",
                () -> batch(d(30), null, null, mask, d(4), null));
        assertMessage("oldLogp has 30 elements, expected b*T = 4*8 = 32",
                () -> batch(d(32), d(30), null, mask, d(4), null));
        assertMessage("refLogp has 33 elements, expected b*T = 4*8 = 32",
                () -> batch(d(32), null, d(33), mask, d(4), null));
        assertMessage("mask has 8 elements, expected b*T = 4*8 = 32",
                () -> batch(d(32), null, null, new boolean[8], d(4), null));
        assertMessage("advantages has 3 elements, expected b = 4",
                () -> batch(d(32), null, null, mask, d(3), null));
        assertMessage("truncated has 5 elements, expected b = 4",
                () -> batch(d(32), null, null, mask, d(4), new boolean[5]));
        assertMessage("logp is null, expected [b*T] current log-probs",
                () -> batch(null, null, null, mask, d(4), null));
        assertMessage("shape b*T = 0*8, expected b >= 1 and T >= 1",
                () -> new MicroBatch(0, 8, d(0), null, null, new boolean[0], d(0), null, 1));
        assertMessage("advantages[1] is NaN, expected a finite number",
                () -> batch(d(32), null, null, mask, new double[] {0, Double.NaN, 0, 0}, null));
    }

    @Test
    void gradientOutputShape() {
        MicroBatch ok = batch(d(32), null, null, new boolean[32], d(4), null);
        GrpoLoss loss = new GrpoLoss(ObjectiveConfig.defaults());
        assertMessage("dLogp has 31 elements, expected b*T = 4*8 = 32",
                () -> loss.lossAndGradient(ok, d(31), null));
    }

    @Test
    void missingInputsNameTheOptionThatNeedsThem() {
        MicroBatch bare = batch(d(32), null, null, new boolean[32], d(4), null);
        assertMessage("refLogp is null, beta = 0.04 > 0 needs the reference model's log-probs",
                () -> new GrpoLoss(ObjectiveConfig.builder().beta(0.04).build())
                        .lossAndGradient(bare, d(32), null));
        assertMessage("oldLogp is null, num_iterations = 2 > 1 needs the generating policy's log-probs",
                () -> new GrpoLoss(ObjectiveConfig.builder().numIterations(2).build())
                        .lossAndGradient(bare, d(32), null));
        assertMessage("truncated is null, mask_truncated_completions = true needs the truncated flags",
                () -> new GrpoLoss(ObjectiveConfig.builder().maskTruncatedCompletions(true).build())
                        .lossAndGradient(bare, d(32), null));
        MicroBatch noN = new MicroBatch(B, T, d(32), null, null, new boolean[32], d(4), null, 0);
        assertMessage("batchTokens is 0, loss_type = dapo needs N >= 1 (completion tokens in the "
                + "generation batch)", () -> new GrpoLoss(ObjectiveConfig.defaults())
                        .lossAndGradient(noN, d(32), null));
    }

    @Test
    void reusedInstanceGrowsItsWorkspaceAndAllocatesNothingInSteadyState() {
        ObjectiveConfig config = ObjectiveConfig.builder().lossType(LossType.BNPO).beta(0.05)
                .importanceSampling(ImportanceSampling.SEQUENCE).numIterations(2).build();
        Random random = new Random(5);
        GrpoLoss loss = new GrpoLoss(config);
        MicroBatch small = RandomBatches.draw(random, true, true);
        MicroBatch big = new MicroBatch(16, 64, d(1024), d(1024), d(1024), new boolean[1024], d(16),
                null, 1);
        double[] gradSmall = new double[small.logp().length];
        double[] expected = new double[small.logp().length];
        double fresh = new GrpoLoss(config).lossAndGradient(small, expected, null);
        double[] gradBig = new double[1024];
        StepMetricsAccumulator metrics = new StepMetricsAccumulator(1);
        loss.lossAndGradient(small, gradSmall, metrics);
        loss.lossAndGradient(big, gradBig, metrics);
        assertEquals(fresh, loss.lossAndGradient(small, gradSmall, metrics), 0.0);
        assertArrayEquals(expected, gradSmall, 0.0);

        long allocated =
                Allocations.steadyStateBytes(() -> loss.lossAndGradient(big, gradBig, metrics));
        // A little slack for reading the counter; one array per call would be >= 4 KB each time.
        assertEquals(0, allocated, 1024, "bytes allocated by 1000 calls");
    }
}
