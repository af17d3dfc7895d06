package dev.cohort.trainer.internal.run;

import java.util.List;
import java.util.Map;

/**
 * One generation batch of a step, group-contiguous: for every sample its prompt and completion
 * token ids, whether it was truncated, its dataset row, its decoded texts, its rewards and
 * advantage.
 */
record Rollouts(List<int[]> promptIds, List<int[]> completionIds, boolean[] truncated,
        List<Map<String, Object>> rows, List<String> prompts, List<String> completions,
        double[] advantages, double[] totals, int groupSize) {

    int size() {
        return promptIds.size();
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
