package dev.cohort.trainer.internal.reward;

/** One reward function selected by a run: its service name and its weight (TRL's reward_weights). */
public record RewardSpec(String name, double weight) {

    public RewardSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("reward function name is required");
        }
        if (!Double.isFinite(weight)) {
            throw new IllegalArgumentException("reward_weights: weight of '" + name + "' must be a finite number, got " + weight);
        }
    }

    /** Parses {@code name} or {@code name=weight} (weight 1 when absent). */
    public static RewardSpec parse(String text) {
        int eq = text.indexOf('=');
        if (eq < 0) {
            return new RewardSpec(text.trim(), 1.0);
        }
        String name = text.substring(0, eq).trim();
        try {
            return new RewardSpec(name, Double.parseDouble(text.substring(eq + 1).trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("reward weight of '" + name + "' is not a number: '"
                    + text.substring(eq + 1) + "'");
        }
    }
}
