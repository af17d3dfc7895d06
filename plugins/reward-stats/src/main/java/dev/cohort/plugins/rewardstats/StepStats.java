package dev.cohort.plugins.rewardstats;

import dev.cohort.api.rollout.RolloutBatch;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reward statistics of one scored batch, named as TRL logs them: mean and (unbiased) std of each
 * reward function and of the total, the fraction of groups whose total reward has zero std
 * (no learning signal), mean completion length and the fraction of truncated completions.
 */
record StepStats(String runId, long step, int samples, Map<String, Moments> rewards,
        Moments total, double fracRewardZeroStd, double completionLengthMean, double clippedRatio) {

    /** Mean, unbiased std and count of the non-NaN values of a column. */
    record Moments(double mean, double std, int count) {

        static Moments of(double[] values, int from, int to) {
            int n = 0;
            double sum = 0;
            for (int i = from; i < to; i++) {
                if (!Double.isNaN(values[i])) {
                    sum += values[i];
                    n++;
                }
            }
            if (n == 0) {
                return new Moments(Double.NaN, Double.NaN, 0);
            }
            double mean = sum / n;
            double sq = 0;
            for (int i = from; i < to; i++) {
                if (!Double.isNaN(values[i])) {
                    sq += (values[i] - mean) * (values[i] - mean);
                }
            }
            return new Moments(mean, n > 1 ? Math.sqrt(sq / (n - 1)) : Double.NaN, n);
        }
    }

    static StepStats of(RolloutBatch batch) {
        int n = batch.size();
        Map<String, Moments> rewards = new LinkedHashMap<>();
        for (String name : batch.rewardNames()) {
            rewards.put(name, Moments.of(batch.rewards(name), 0, n));
        }
        double[] total = batch.totalRewards();
        int g = batch.groupSize();
        int zeroStd = 0;
        for (int group = 0; group < batch.groupCount(); group++) {
            Moments m = Moments.of(total, group * g, (group + 1) * g);
            if (m.count() < 2 || m.std() == 0) {
                zeroStd++;
            }
        }
        long tokens = 0;
        int truncated = 0;
        for (int i = 0; i < n; i++) {
            tokens += batch.completionTokens(i);
            truncated += batch.truncated(i) ? 1 : 0;
        }
        return new StepStats(batch.runId(), batch.step(), n, java.util.Collections.unmodifiableMap(rewards),
                Moments.of(total, 0, n), (double) zeroStd / batch.groupCount(),
                (double) tokens / n, (double) truncated / n);
    }
}
