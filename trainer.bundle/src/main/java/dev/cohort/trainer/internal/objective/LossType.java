package dev.cohort.trainer.internal.objective;

/**
 * How the per-token loss of a micro-batch is aggregated ({@code loss_type} in TRL's GRPOConfig).
 * With m the completion mask, L the per-token loss, b the micro-batch size and GA the gradient
 * accumulation steps:
 *
 * <ul>
 *   <li>{@link #GRPO}: mean over samples of sum_t m*L / max(1, sum_t m), divided by GA;
 *   <li>{@link #BNPO}: sum m*L / max(1, sum m) over the micro-batch, divided by GA;
 *   <li>{@link #DR_GRPO}: sum m*L / (b * max_completion_length), divided by GA;
 *   <li>{@link #DAPO} (TRL's default): sum m*L / N, N the completion tokens of the whole generation
 *       batch.
 * </ul>
 */
public enum LossType {
    GRPO,
    BNPO,
    DR_GRPO,
    DAPO;

    /** The TRL spelling, e.g. {@code dr_grpo}. */
    public String key() {
        return ConfigKeys.key(this);
    }

    /** Parses the TRL spelling; throws IllegalArgumentException naming {@code loss_type}. */
    public static LossType fromKey(String value) {
        return ConfigKeys.parse(LossType.class, ConfigKeys.LOSS_TYPE, value);
    }
}
