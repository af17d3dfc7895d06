package dev.cohort.trainer.internal.run;

import java.util.List;
import java.util.Map;

/**
 * One generation batch of a step, group-contiguous: for every sample its prompt and completion
 * token ids, whether it was truncated, its dataset row, its decoded texts, its rewards and
 * advantage; the engine's sampling log-prob of every completion token; the trainer's log-probs
 * under the generating weights when the producer computed them ({@code oldLogp}, asynchronous
 * mode; else null) and the weights version that generated the batch.
 */
record Rollouts(List<int[]> promptIds, List<int[]> completionIds, boolean[] truncated,
        List<Map<String, Object>> rows, List<String> prompts, List<String> completions,
        double[] advantages, double[] totals, int groupSize, List<float[]> samplingLogp, List<double[]> oldLogp,
        long weightsVersion) {

    int size() {
        return promptIds.size();
    }

    /** This batch with the trainer's log-probs under the generating weights. */
    Rollouts withOldLogp(List<double[]> old) {
        return new Rollouts(promptIds, completionIds, truncated, rows, prompts, completions, advantages, totals,
                groupSize, samplingLogp, old, weightsVersion);
    }

    /** Completion tokens of the batch that the loss counts (DAPO's N), at least 1. */
    long lossTokens(boolean maskTruncated) {
        long n = 0;
        for (int s = 0; s < size(); s++) {
            if (!(maskTruncated && truncated[s])) {
                n += completionIds.get(s).length;
            }
        }
        return Math.max(1, n);
    }
}
