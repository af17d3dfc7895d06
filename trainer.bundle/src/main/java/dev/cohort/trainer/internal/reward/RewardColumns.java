package dev.cohort.trainer.internal.reward;

import java.util.List;

/**
 * The scores of one batch: one column per selected function, in configuration order, NaN where
 * a function gave no reward (or failed), with the functions' weights.
 */
public record RewardColumns(List<String> names, double[][] values, double[] weights) {

    public int functions() {
        return names.size();
    }

    public double[] column(String name) {
        int k = names.indexOf(name);
        if (k < 0) {
            throw new IllegalArgumentException("no reward column '" + name + "'; columns are " + names);
        }
        return values[k];
    }
}
