package dev.cohort.trainer.internal.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.trainer.internal.config.RunConfig;
import dev.cohort.trainer.internal.config.RunConfigParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunRecordsTest {

    @TempDir
    Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theResolvedConfigurationParsesBackToTheSameConfiguration() throws Exception {
        RunConfig c = RunConfigParser.parse("model: tiny\ndataset: builtin:addition\nreward_funcs: [accuracy]\n"
                + "max_steps: 5\nlogging_steps: 2\nplugins:\n  some.pid:\n    k: [1, 2]\n", "run.yaml", dir);
        try (RunRecords r = RunRecords.start(dir.resolve("run"), c.toMap(), 2, null, 0, List.of())) {
            assertTrue(Files.isRegularFile(r.metricsFile()));
        }
        RunConfig again = RunConfigParser.parse(dir.resolve("run").resolve(RunRecords.CONFIG));
        assertEquals(c.toMap(), again.toMap());
    }

    @Test
    void oneFlushedLinePerLoggingStepWithTheWindowsMeans() throws Exception {
        Path run = dir.resolve("run");
        try (RunRecords r = RunRecords.start(run, Map.of(), 2, null, 0, List.of())) {
            assertFalse(r.step(1, Instant.EPOCH, 0.5, 0, Map.of("reward", 1.0, "loss", 0.2)));
            assertTrue(r.step(2, Instant.EPOCH, 1.0, 1, Map.of("reward", 0.0, "loss", 0.4)));
            // read while the file is still open: each line is on disk as soon as it is logged
            List<String> lines = Files.readAllLines(run.resolve(MetricsFile.NAME));
            assertEquals(1, lines.size());
            JsonNode line = JSON.readTree(lines.get(0));
            assertEquals(2, line.get("step").asInt());
            assertEquals("1970-01-01T00:00:00Z", line.get("time").asText());
            assertEquals(1, line.get("weights_version").asInt());
            assertEquals(0.5, line.get("reward").asDouble());
            assertEquals(0.30000000000000004, line.get("loss").asDouble(), "metrics.jsonl keeps the loss unrounded");
            assertFalse(r.step(3, Instant.EPOCH, 1.5, 2, Map.of("kl", Double.NaN)));
            assertTrue(r.step(4, Instant.EPOCH, 2.0, 3, Map.of("kl", Double.NaN)));
            assertTrue(JSON.readTree(Files.readAllLines(run.resolve(MetricsFile.NAME)).get(1)).get("kl").isNull());
            assertEquals(List.of(2L, 4L), r.logHistory(4).stream().map(e -> e.get("step")).toList());
            assertEquals(0.3, r.logHistory(4).get(0).get("loss"));
        }
    }

    @Test
    void aResumedRunAppendsAfterAMarker() throws Exception {
        Path run = dir.resolve("run");
        try (RunRecords r = RunRecords.start(run, Map.of(), 1, null, 0, List.of())) {
            r.step(1, Instant.EPOCH, 0, 0, Map.of("loss", 1.0));
            r.step(2, Instant.EPOCH, 0, 1, Map.of("loss", 2.0));
        }
        List<Map<String, Object>> saved = List.of(Map.of("loss", 1.0, "step", 1));
        try (RunRecords r = RunRecords.start(run, Map.of(), 1, run.resolve("checkpoint-1"), 1, saved)) {
            r.step(2, Instant.EPOCH, 0, 1, Map.of("loss", 2.5));
            assertEquals(List.of(1, 2L), r.logHistory(2).stream().map(e -> e.get("step")).toList());
        }
        List<String> lines = Files.readAllLines(run.resolve(MetricsFile.NAME));
        assertEquals(4, lines.size());
        JsonNode marker = JSON.readTree(lines.get(2));
        assertEquals("resumed", marker.get("event").asText());
        assertEquals(1, marker.get("step").asInt());
        assertEquals(run.resolve("checkpoint-1").toString(), marker.get("checkpoint").asText());
        assertEquals(2.5, JSON.readTree(lines.get(3)).get("loss").asDouble());
    }
}
