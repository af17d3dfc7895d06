package dev.cohort.plugins.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.api.training.TrainingMetrics;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ViewsTest {

    @Test
    void aPointCarriesRunStepMaxTimeAndEveryMetricInOrder() {
        Map<String, Double> values = new LinkedHashMap<>();
        values.put("reward", 0.5);
        values.put("rewards/accuracy/mean", 0.25);
        values.put("kl", Double.NaN);
        String json = Views.point(new TrainingMetrics("run \"1\"", 3, 600, values, Instant.ofEpochMilli(42)));
        assertEquals("{\"run\":\"run \\\"1\\\"\",\"step\":3,\"max\":600,\"time\":42,"
                + "\"values\":{\"reward\":0.5,\"rewards/accuracy/mean\":0.25,\"kl\":null}}", json);
    }

    @Test
    void rolloutsAreGroupedWithTheGroupsMeanAndPopulationStd() {
        String json = Views.rollouts(DashboardStoreTest.batch("a", 7));
        // group 0: totals 1.5 and 0.5 -> mean 1, population std 0.5; group 1: 1.5 and 0 (NaN skipped in the sum)
        assertTrue(json.startsWith("{\"run\":\"a\",\"step\":7,\"groupSize\":2,\"functions\":[\"accuracy\",\"format\"],"
                + "\"groups\":[{\"index\":0,\"prompt\":\"1+1=\",\"mean\":1,\"std\":0.5,\"samples\":["
                + "{\"index\":0,\"completion\":\"2\",\"total\":1.5,\"rewards\":{\"accuracy\":1,\"format\":0.5},"
                + "\"advantage\":0.7,\"tokens\":1,\"truncated\":false},"), json);
        assertTrue(json.contains("{\"index\":1,\"prompt\":\"2+2=\\n(long)\",\"mean\":0.75,\"std\":0.75,"), json);
        assertTrue(json.contains("\"rewards\":{\"accuracy\":null,\"format\":0},\"advantage\":0,\"tokens\":4,\"truncated\":true}"),
                json);
    }

    @Test
    void meanAndStdSkipNaN() {
        assertEquals(2.0, Views.mean(new double[] {1, Double.NaN, 3}));
        assertEquals(1.0, Views.std(new double[] {1, Double.NaN, 3}));
        assertTrue(Double.isNaN(Views.mean(new double[] {Double.NaN})));
        assertEquals(0.0, Views.std(new double[] {0.5, 0.5, 0.5}));
    }
}
