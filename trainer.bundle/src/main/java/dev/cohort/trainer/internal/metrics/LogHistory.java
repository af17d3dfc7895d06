package dev.cohort.trainer.internal.metrics;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's {@code log_history} as Hugging Face's Trainer keeps it in {@code trainer_state.json}:
 * one entry per logging step, {@code {"loss", "grad_norm", "learning_rate", <TRL's metrics>,
 * "epoch", "step"}}. As the Trainer does, {@code loss} is rounded to 4 decimals
 * ({@code round(loss, 4)}: Python rounds the exact binary value, half to even), the other values
 * are kept as they are, and {@code epoch} is present only when the run has one. A metric that no
 * step of the window computed (NaN, such as {@code kl} when {@code beta} is 0) is left out, as TRL
 * does not log what it did not compute.
 */
public final class LogHistory {

    private final List<Map<String, Object>> entries = new ArrayList<>();

    /** Continues the history of a checkpoint (its entries, as read from trainer_state.json). */
    public LogHistory(List<Map<String, Object>> saved) {
        for (Map<String, Object> e : saved) {
            entries.add(new LinkedHashMap<>(e));
        }
    }

    /** Appends the entry of a logging step; {@code epoch} NaN when the run has none. */
    public Map<String, Object> add(long step, double epoch, Map<String, Double> window) {
        Map<String, Object> e = new LinkedHashMap<>();
        put(e, "loss", round4(window.getOrDefault("loss", Double.NaN)));
        put(e, "grad_norm", window.getOrDefault("grad_norm", Double.NaN));
        put(e, "learning_rate", window.getOrDefault("learning_rate", Double.NaN));
        window.forEach((k, v) -> {
            if (!e.containsKey(k) && !k.equals("loss")) {
                put(e, k, v);
            }
        });
        put(e, "epoch", epoch);
        e.put("step", step);
        entries.add(e);
        return e;
    }

    /** The entries up to and including {@code step}: what a checkpoint of that step holds. */
    public List<Map<String, Object>> upTo(long step) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> e : entries) {
            if (((Number) e.get("step")).longValue() <= step) {
                out.add(Collections.unmodifiableMap(e));
            }
        }
        return out;
    }

    /** Python's {@code round(x, 4)}: the exact binary value rounded half to even. */
    public static double round4(double x) {
        if (Double.isNaN(x) || Double.isInfinite(x)) {
            return x;
        }
        return new BigDecimal(x).setScale(4, RoundingMode.HALF_EVEN).doubleValue();
    }

    private static void put(Map<String, Object> e, String key, Double v) {
        if (v != null && !Double.isNaN(v)) {
            e.put(key, v);
        }
    }
}
