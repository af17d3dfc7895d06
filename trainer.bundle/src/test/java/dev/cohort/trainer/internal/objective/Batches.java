package dev.cohort.trainer.internal.objective;

/** Small helpers to write micro-batches in tests. */
final class Batches {
    private Batches() {}

    /** A mask from 0/1 digits. */
    static boolean[] bits(int... values) {
        boolean[] mask = new boolean[values.length];
        for (int i = 0; i < values.length; i++) {
            mask[i] = values[i] != 0;
        }
        return mask;
    }

    /** A micro-batch without old or reference log-probs and without truncation flags. */
    static MicroBatch onPolicy(int b, int t, double[] logp, boolean[] mask, double[] advantages,
            long batchTokens) {
        return new MicroBatch(b, t, logp, null, null, mask, advantages, null, batchTokens);
    }

    static ObjectiveConfig.Builder config(LossType lossType) {
        return ObjectiveConfig.builder().lossType(lossType);
    }

    /** Runs the loss; returns {loss} followed by the gradient. */
    static double[] lossAndGradient(ObjectiveConfig config, MicroBatch batch) {
        double[] grad = new double[batch.samples() * batch.tokens()];
        double loss = new GrpoLoss(config).lossAndGradient(batch, grad, null);
        double[] out = new double[grad.length + 1];
        out[0] = loss;
        System.arraycopy(grad, 0, out, 1, grad.length);
        return out;
    }

    /** {loss, g...} as one array, for assertArrayEquals against lossAndGradient. */
    static double[] expected(double loss, double... grad) {
        double[] out = new double[grad.length + 1];
        out[0] = loss;
        System.arraycopy(grad, 0, out, 1, grad.length);
        return out;
    }
}
