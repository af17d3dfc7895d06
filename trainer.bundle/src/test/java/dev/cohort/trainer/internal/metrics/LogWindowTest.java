package dev.cohort.trainer.internal.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogWindowTest {

    private static Map<String, Double> step(double loss, double reward, double kl, double grad, double lr) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("reward", reward);
        m.put("kl", kl);
        m.put("loss", loss);
        m.put("grad_norm", grad);
        m.put("learning_rate", lr);
        return m;
    }

    @Test
    void metricsAreWindowMeansAsTrlLogsThemGradNormAndLearningRateTheLastStepsOnes() {
        LogWindow w = new LogWindow();
        w.add(step(1.0, 0.25, 0.5, 3.0, 1e-3));
        w.add(step(2.0, 0.75, Double.NaN, 4.0, 2e-3));
        w.add(step(6.0, 0.5, 1.5, 5.0, 3e-3));
        assertEquals(3, w.steps());
        Map<String, Double> r = w.close();
        assertEquals(3.0, r.get("loss"));
        assertEquals(0.5, r.get("reward"));
        assertEquals(1.0, r.get("kl"), "a step that did not compute kl adds nothing to its mean");
        assertEquals(5.0, r.get("grad_norm"));
        assertEquals(3e-3, r.get("learning_rate"));
        assertEquals(0, w.steps());
    }

    @Test
    void aMetricNoStepComputedIsNaNAndTheNextWindowStartsEmpty() {
        LogWindow w = new LogWindow();
        w.add(step(1.0, 0.0, Double.NaN, 1.0, 1.0));
        assertTrue(w.close().get("kl").isNaN());
        w.add(step(5.0, 1.0, 2.0, 1.0, 1.0));
        Map<String, Double> r = w.close();
        assertEquals(5.0, r.get("loss"));
        assertEquals(2.0, r.get("kl"));
    }
}
