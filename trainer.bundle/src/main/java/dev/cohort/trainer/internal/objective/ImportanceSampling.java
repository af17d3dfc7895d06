package dev.cohort.trainer.internal.objective;

/**
 * The level of the importance ratio ({@code importance_sampling_level}): one ratio per token
 * ({@link #TOKEN}, default) or one per sample, exp of the masked mean log-ratio ({@link
 * #SEQUENCE}, GSPO).
 */
public enum ImportanceSampling {
    TOKEN,
    SEQUENCE;

    /** The TRL spelling, e.g. {@code token}. */
    public String key() {
        return ConfigKeys.key(this);
    }

    /** Parses the TRL spelling; throws IllegalArgumentException naming the config key. */
    public static ImportanceSampling fromKey(String value) {
        return ConfigKeys.parse(ImportanceSampling.class, ConfigKeys.IMPORTANCE_SAMPLING, value);
    }
}
