package dev.cohort.api.training;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The metrics of one optimizer step, an immutable value object. Names follow TRL's logs where
 * one exists ({@code reward}, {@code reward_std}, {@code rewards/<function>/mean},
 * {@code frac_reward_zero_std}, {@code completions/mean_length}, {@code kl}, {@code entropy},
 * {@code clip_ratio/region_mean}, {@code loss}, {@code grad_norm}, {@code learning_rate}, ...),
 * plus Cohort's {@code tokens_per_second} and {@code time/generation}, {@code time/scoring},
 * {@code time/update} (seconds).
 */
public final class TrainingMetrics {

    private final String runId;
    private final long step;
    private final long maxSteps;
    private final Map<String, Double> values;
    private final Instant time;

    public TrainingMetrics(String runId, long step, long maxSteps, Map<String, Double> values, Instant time) {
        if (runId == null || runId.isEmpty()) {
            throw new IllegalArgumentException("runId is required");
        }
        if (step < 0 || maxSteps < 0) {
            throw new IllegalArgumentException("step " + step + " and maxSteps " + maxSteps + " must be >= 0");
        }
        if (values == null) {
            throw new IllegalArgumentException("values is required");
        }
        this.runId = runId;
        this.step = step;
        this.maxSteps = maxSteps;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.time = time != null ? time : Instant.now();
    }

    public String runId() {
        return runId;
    }

    /** The optimizer step just completed, from 1. */
    public long step() {
        return step;
    }

    public long maxSteps() {
        return maxSteps;
    }

    /** Every metric by name, in the order the trainer reported them; read-only. */
    public Map<String, Double> values() {
        return values;
    }

    /** One metric, or NaN when the step did not report it. */
    public double get(String name) {
        Double v = values.get(name);
        return v == null ? Double.NaN : v;
    }

    public Instant time() {
        return time;
    }

    @Override
    public String toString() {
        return "TrainingMetrics[run=" + runId + ", step=" + step + "/" + maxSteps + ", " + values + "]";
    }
}
