package dev.cohort.plugins.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.api.rollout.RolloutBatch;
import dev.cohort.api.training.TrainingMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DashboardStoreTest {

    @TempDir
    Path dir;

    static TrainingMetrics metrics(String run, long step, double reward) {
        return new TrainingMetrics(run, step, 10, Map.of("reward", reward, "kl", Double.NaN),
                Instant.ofEpochMilli(1_000_000 + step));
    }

    static RolloutBatch batch(String run, long step) {
        return RolloutBatch.builder().runId(run).step(step).groupSize(2)
                .prompts(List.of("1+1=", "1+1=", "2+2=\n(long)", "2+2=\n(long)"))
                .completions(List.of("2", "3", "4", "x".repeat(70_000)))
                .reward("accuracy", new double[] {1, 0, 1, Double.NaN})
                .reward("format", new double[] {0.5, 0.5, 0.5, 0})
                .advantages(new double[] {0.7, -0.7, 0, 0}).completionTokens(new int[] {1, 1, 1, 4})
                .truncated(new boolean[] {false, false, false, true}).scoredAt(Instant.ofEpochMilli(5000 + step))
                .build();
    }

    @Test
    void metricsAndRolloutsSurviveReopeningExactly() throws Exception {
        try (DashboardStore s = new DashboardStore(dir, 5)) {
            s.addMetrics(metrics("a", 1, 0.25));
            s.addMetrics(metrics("b", 1, 0.5));
            s.addMetrics(metrics("a", 2, 0.1 + 0.2));
            s.addRollouts(batch("a", 1));
        }
        try (DashboardStore s = new DashboardStore(dir, 5)) {
            assertEquals(List.of("a", "b"), s.runs());
            assertEquals(List.of(1L, 2L), s.metrics("a").stream().map(TrainingMetrics::step).toList());
            TrainingMetrics m = s.metrics("a").get(1);
            assertEquals(0.1 + 0.2, m.get("reward"), 0.0);
            assertTrue(Double.isNaN(m.get("kl")));
            assertEquals(Instant.ofEpochMilli(1_000_002), m.time());
            assertEquals(10, m.maxSteps());
            assertEquals(batch("a", 1), s.rollouts("a", 1).orElseThrow(), "every field, texts over 64 KiB too");
        }
    }

    @Test
    void aStepReportedAgainKeepsTheNewestAndTheWindowKeepsTheLastSteps() throws Exception {
        try (DashboardStore s = new DashboardStore(dir, 3)) {
            for (int step = 1; step <= 6; step++) {
                s.addRollouts(batch("a", step));
            }
            s.addMetrics(metrics("a", 1, 0.0));
            s.addMetrics(metrics("a", 1, 1.0));
            assertEquals(List.of(4L, 5L, 6L), s.rollouts().stream().map(RolloutBatch::step).toList());
            assertEquals(1, s.metrics("a").size());
            assertEquals(1.0, s.metrics("a").get(0).get("reward"));
            s.rolloutWindow(2);
            assertEquals(List.of(5L, 6L), s.rollouts().stream().map(RolloutBatch::step).toList());
        }
        try (Stream<Path> files = Files.list(dir.resolve("rollouts"))) {
            assertEquals(2, files.count(), "evicted batches leave the data area");
        }
        try (DashboardStore s = new DashboardStore(dir, 10)) {
            assertEquals(List.of(5L, 6L), s.rollouts().stream().map(RolloutBatch::step).toList());
            assertEquals(1, s.metrics("a").size(), "the replaced step is stored once");
        }
    }

    @Test
    void aTornLastRecordIsDroppedAndAppendingGoesOn() throws Exception {
        try (DashboardStore s = new DashboardStore(dir, 3)) {
            s.addMetrics(metrics("a", 1, 0.5));
            s.addMetrics(metrics("a", 2, 0.6));
        }
        Path file = dir.resolve("metrics.bin");
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 5));
        Files.writeString(dir.resolve("rollouts/000000000099.bin"), "torn", StandardOpenOption.CREATE);
        try (DashboardStore s = new DashboardStore(dir, 3)) {
            assertEquals(List.of(1L), s.metrics("a").stream().map(TrainingMetrics::step).toList());
            s.addMetrics(metrics("a", 3, 0.7));
            assertTrue(s.rollouts().isEmpty());
        }
        try (DashboardStore s = new DashboardStore(dir, 3)) {
            assertEquals(List.of(1L, 3L), s.metrics("a").stream().map(TrainingMetrics::step).toList());
        }
    }
}
