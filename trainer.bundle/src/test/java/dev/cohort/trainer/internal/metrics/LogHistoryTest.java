package dev.cohort.trainer.internal.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LogHistoryTest {

    /** Python 3's {@code round(x, 4)} of each x (printed by CPython with repr). */
    @ParameterizedTest
    @CsvSource({"5e-05,0.0001", "0.00015,0.0001", "0.00025,0.0003", "1.00005,1.0001", "2.67445,2.6745",
        "-0.123456789,-0.1235", "0.0123456,0.0123", "123.45675,123.4567", "-5e-05,-0.0001", "0.99995,1.0"})
    void lossIsRoundedAsPythonRoundsIt(double x, double python) {
        assertEquals(python, LogHistory.round4(x));
    }

    @Test
    void anEntryHasTheTrainersKeysTrlsMetricsEpochAndStepLast() {
        Map<String, Double> window = new LinkedHashMap<>();
        window.put("reward", 0.5);
        window.put("kl", Double.NaN);
        window.put("loss", 0.123456);
        window.put("grad_norm", 1.5);
        window.put("learning_rate", 1e-6);
        LogHistory h = new LogHistory(List.of());
        Map<String, Object> e = h.add(10, 0.25, window);
        assertEquals(List.of("loss", "grad_norm", "learning_rate", "reward", "epoch", "step"), List.copyOf(e.keySet()));
        assertEquals(0.1235, e.get("loss"));
        assertEquals(10L, e.get("step"));
        assertEquals(0.25, e.get("epoch"));
    }

    @Test
    void aCheckpointHoldsTheEntriesUpToItsStepAfterThoseItWasResumedWith() {
        LogHistory h = new LogHistory(List.of(Map.of("loss", 1.0, "step", 2)));
        h.add(4, Double.NaN, Map.of("loss", 2.0));
        h.add(6, Double.NaN, Map.of("loss", 3.0));
        assertEquals(List.of(2, 4L), h.upTo(5).stream().map(e -> e.get("step")).toList());
        assertEquals(false, h.upTo(4).get(1).containsKey("epoch"), "no epoch when the run has none");
    }
}
