package dev.cohort.trainer.internal.objective;

/**
 * The off-policy corrections TRL applies on top of the GRPO loss: the truncated (or masked)
 * importance-sampling ratio between the trainer and the rollout engine
 * ({@code vllm_importance_sampling_correction}, {@code vllm_importance_sampling_mode},
 * {@code vllm_importance_sampling_cap}) and DeepSeek-V3.2's off-policy sequence mask
 * ({@code off_policy_mask_threshold}; NaN when it is off).
 */
public record OffPolicySettings(boolean correction, VllmImportanceSampling mode, double cap, double maskThreshold) {

    /** TRL's defaults: correction on, sequence_mask, cap 3, no off-policy mask. */
    public static final OffPolicySettings DEFAULTS =
            new OffPolicySettings(true, VllmImportanceSampling.SEQUENCE_MASK, 3.0, Double.NaN);

    public OffPolicySettings {
        if (mode == null) {
            throw new IllegalArgumentException("vllm_importance_sampling_mode is null");
        }
        if (!(cap > 0)) {
            throw new IllegalArgumentException("vllm_importance_sampling_cap must be > 0, got " + cap);
        }
        if (!Double.isNaN(maskThreshold) && !(maskThreshold >= 0)) {
            throw new IllegalArgumentException("off_policy_mask_threshold must be >= 0, got " + maskThreshold);
        }
    }

    /** Whether the off-policy sequence mask is on. */
    public boolean masksOffPolicy() {
        return !Double.isNaN(maskThreshold);
    }
}
