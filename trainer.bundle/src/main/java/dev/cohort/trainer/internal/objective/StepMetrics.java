package dev.cohort.trainer.internal.objective;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The objective's metrics for one training step, as TRL's GRPOTrainer names them (see {@link
 * #toMap}). Stds are unbiased and skip NaN; a value with nothing to average over is NaN.
 *
 * @param rewardMeans per reward function, mean of its non-NaN rewards ({@code rewards/NAME/mean})
 * @param rewardStds per reward function, std of its non-NaN rewards ({@code rewards/NAME/std})
 * @param reward mean of the non-NaN total rewards ({@code reward})
 * @param rewardStd std of the non-NaN total rewards ({@code reward_std})
 * @param fracRewardZeroStd fraction of groups whose total-reward std is 0 within 1e-8
 *     ({@code frac_reward_zero_std}); a group with fewer than two rewards has std NaN, not 0
 * @param meanLength mean completion length ({@code completions/mean_length})
 * @param minLength shortest completion ({@code completions/min_length})
 * @param maxLength longest completion ({@code completions/max_length})
 * @param clippedRatio fraction of completions truncated at max length ({@code
 *     completions/clipped_ratio})
 * @param kl masked token mean of the k3 KL ({@code kl}); NaN when beta = 0
 * @param clipRatioLowMean masked token mean of w < 1 - eps_low with A < 0 ({@code
 *     clip_ratio/low_mean})
 * @param clipRatioHighMean masked token mean of w > 1 + eps_high with A > 0 ({@code
 *     clip_ratio/high_mean})
 * @param clipRatioRegionMean masked token mean of low or high ({@code clip_ratio/region_mean})
 */
public record StepMetrics(
        List<Double> rewardMeans,
        List<Double> rewardStds,
        double reward,
        double rewardStd,
        double fracRewardZeroStd,
        double meanLength,
        double minLength,
        double maxLength,
        double clippedRatio,
        double kl,
        double clipRatioLowMean,
        double clipRatioHighMean,
        double clipRatioRegionMean) {

    /** Copies the per-function lists; they must have the same length. */
    public StepMetrics {
        rewardMeans = List.copyOf(rewardMeans);
        rewardStds = List.copyOf(rewardStds);
        Shapes.requireLength("rewardStds", rewardStds.size(), rewardMeans.size(), "K (rewardMeans)");
    }

    /**
     * The metrics under TRL's names, in a stable order; {@code kl} only when it was measured.
     *
     * @param rewardNames one name per reward function, in column order
     */
    public Map<String, Double> toMap(List<String> rewardNames) {
        Shapes.requireLength(
                "rewardNames", rewardNames.size(), rewardMeans.size(), "K (reward functions)");
        Map<String, Double> map = new LinkedHashMap<>();
        for (int k = 0; k < rewardNames.size(); k++) {
            map.put("rewards/" + rewardNames.get(k) + "/mean", rewardMeans.get(k));
            map.put("rewards/" + rewardNames.get(k) + "/std", rewardStds.get(k));
        }
        map.put("reward", reward);
        map.put("reward_std", rewardStd);
        map.put("frac_reward_zero_std", fracRewardZeroStd);
        map.put("completions/mean_length", meanLength);
        map.put("completions/min_length", minLength);
        map.put("completions/max_length", maxLength);
        map.put("completions/clipped_ratio", clippedRatio);
        if (!Double.isNaN(kl)) {
            map.put("kl", kl);
        }
        map.put("clip_ratio/low_mean", clipRatioLowMean);
        map.put("clip_ratio/high_mean", clipRatioHighMean);
        map.put("clip_ratio/region_mean", clipRatioRegionMean);
        return map;
    }
}
