package dev.cohort.trainer.internal.objective;

/**
 * TRL's {@code vllm_importance_sampling_mode}: how the ratio between the trainer's log-probs under
 * the generating weights and the rollout engine's sampling log-probs is formed (per token, or one
 * per sequence from the sum of the token log-ratios) and what happens above the cap (truncated to
 * it, or set to 0).
 */
public enum VllmImportanceSampling {
    TOKEN_TRUNCATE,
    TOKEN_MASK,
    SEQUENCE_TRUNCATE,
    SEQUENCE_MASK;

    /** One ratio per sequence (exp of the summed token log-ratios) instead of one per token. */
    public boolean sequenceLevel() {
        return this == SEQUENCE_TRUNCATE || this == SEQUENCE_MASK;
    }

    /** Ratios above the cap become 0 (masked) instead of the cap (truncated). */
    public boolean masks() {
        return this == TOKEN_MASK || this == SEQUENCE_MASK;
    }

    /** The TRL spelling, e.g. {@code sequence_mask}. */
    public String key() {
        return ConfigKeys.key(this);
    }
}
