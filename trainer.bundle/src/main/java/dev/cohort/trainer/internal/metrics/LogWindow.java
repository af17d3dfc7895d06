package dev.cohort.trainer.internal.metrics;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The steps between two logging steps, reduced as TRL's GRPOTrainer and Hugging Face's Trainer
 * reduce them: each metric is the mean of the values its steps reported (TRL keeps a list per
 * metric and logs {@code sum / len}; a step that did not compute a metric, NaN here, adds nothing
 * to its list), {@code loss} the mean over the window (Trainer's {@code tr_loss / steps since the
 * last log}), and {@code grad_norm} and {@code learning_rate} those of the window's last step.
 */
public final class LogWindow {

    /** The metrics that are the last step's, not the window's mean. */
    private static final java.util.Set<String> LAST = java.util.Set.of("grad_norm", "learning_rate");

    private final Map<String, double[]> sums = new LinkedHashMap<>();
    private final Map<String, Double> last = new LinkedHashMap<>();
    private int steps;

    /** Adds one step's metrics. */
    public void add(Map<String, Double> values) {
        steps++;
        for (Map.Entry<String, Double> e : values.entrySet()) {
            double v = e.getValue() == null ? Double.NaN : e.getValue();
            double[] s = sums.computeIfAbsent(e.getKey(), k -> new double[2]);
            if (!Double.isNaN(v)) {
                s[0] += v;
                s[1]++;
            }
            last.put(e.getKey(), v);
        }
    }

    /** The steps added since the last {@link #close()}. */
    public int steps() {
        return steps;
    }

    /**
     * The window's values in the order the steps reported them (NaN for a metric no step of the
     * window computed), and a new, empty window.
     */
    public Map<String, Double> close() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : sums.entrySet()) {
            double[] s = e.getValue();
            out.put(e.getKey(), LAST.contains(e.getKey()) ? last.get(e.getKey())
                    : s[1] == 0 ? Double.NaN : s[0] / s[1]);
        }
        sums.clear();
        last.clear();
        steps = 0;
        return out;
    }
}
