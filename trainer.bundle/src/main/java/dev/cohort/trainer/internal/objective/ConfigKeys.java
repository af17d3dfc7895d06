package dev.cohort.trainer.internal.objective;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The GRPOConfig key names used in error messages, and the mapping between an option enum and
 * the lower-case spelling TRL uses for its values ({@code dr_grpo}, {@code normalize_then_sum}).
 */
final class ConfigKeys {
    static final String LOSS_TYPE = "loss_type";
    static final String SCALE_REWARDS = "scale_rewards";
    static final String AGGREGATION = "multi_objective_aggregation";
    static final String EPSILON = "epsilon";
    static final String EPSILON_HIGH = "epsilon_high";
    static final String BETA = "beta";
    static final String IMPORTANCE_SAMPLING = "importance_sampling_level";
    static final String MASK_TRUNCATED = "mask_truncated_completions";
    static final String MAX_COMPLETION_LENGTH = "max_completion_length";
    static final String GRADIENT_ACCUMULATION = "gradient_accumulation_steps";
    static final String NUM_ITERATIONS = "num_iterations";

    private ConfigKeys() {}

    /** The TRL spelling of an option value: the constant's name in lower case. */
    static String key(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    /** Parses a TRL value spelling; the message names the config key and lists the valid values. */
    static <E extends Enum<E>> E parse(Class<E> type, String configKey, String value) {
        E[] constants = type.getEnumConstants();
        for (E e : constants) {
            if (key(e).equals(value)) {
                return e;
            }
        }
        String valid = Arrays.stream(constants).map(ConfigKeys::key).collect(Collectors.joining(", "));
        throw new IllegalArgumentException(
                configKey + " must be one of " + valid + ", got '" + value + "'");
    }
}
