package dev.cohort.core.internal.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import dev.cohort.api.rollout.RolloutBatch;
import dev.cohort.api.training.TrainingMetrics;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A spilled batch reads back equal to what was published, field for field. */
class SpillCodecTest {

    @TempDir
    Path tmp;

    @Test
    void rolloutBatchWithEveryFieldRoundTrips() throws Exception {
        String longCompletion = "é∑🙂".repeat(30_000); // beyond writeUTF's 64 KiB
        RolloutBatch b = RolloutBatch.builder().runId("run-ü").step(41).groupSize(2)
                .prompts(List.of("What is 2+2?", "What is 2+2?")).completions(List.of(longCompletion, "4"))
                .reward("accuracy", new double[] {0, 1}).reward("format", new double[] {Double.NaN, 0.5})
                .advantages(new double[] {-0.7071, 0.7071}).totalRewards(new double[] {0, 1.5})
                .completionTokens(new int[] {3, 1}).completionIds(List.of(new int[] {5, 6, 7}, new int[] {19}))
                .truncated(new boolean[] {true, false}).scoredAt(Instant.ofEpochSecond(1_700_000_000L, 123_456_789)).weightsVersion(41)
                .build();
        SpillStore<RolloutBatch> store = new SpillStore<>(tmp, SpillCodec.ROLLOUTS);
        store.write(new Sequenced<>(9, b));
        Sequenced<RolloutBatch> back = store.read(9);
        assertEquals(9, back.seq());
        assertNotSame(b, back.event());
        assertEquals(b, back.event());
        assertEquals(List.of("accuracy", "format"), back.event().rewardNames());
    }

    @Test
    void batchWithoutTokenIdsRoundTrips() throws Exception {
        RolloutBatch b = DeliveryLossTest.batch("r", 3);
        SpillStore<RolloutBatch> store = new SpillStore<>(tmp, SpillCodec.ROLLOUTS);
        store.write(new Sequenced<>(1, b));
        assertEquals(b, store.read(1).event());
        assertEquals(List.of(), store.read(1).event().completionIds());
    }

    @Test
    void trainingMetricsRoundTripInOrder() throws Exception {
        Map<String, Double> values = new LinkedHashMap<>();
        values.put("reward", 0.25);
        values.put("kl", Double.NaN);
        values.put("rewards/accuracy/mean", -1.0);
        TrainingMetrics m = new TrainingMetrics("r", 7, 100, values, Instant.ofEpochSecond(5, 6));
        SpillStore<TrainingMetrics> store = new SpillStore<>(tmp, SpillCodec.METRICS);
        store.write(new Sequenced<>(2, m));
        TrainingMetrics back = store.read(2).event();
        assertEquals(m.toString(), back.toString());
        assertEquals(List.copyOf(values.keySet()), List.copyOf(back.values().keySet()));
        assertEquals(m.time(), back.time());
        assertEquals(m.maxSteps(), back.maxSteps());
    }

    @Test
    void openingAndClosingEmptiesTheDirectory() throws Exception {
        SpillStore<RolloutBatch> first = new SpillStore<>(tmp, SpillCodec.ROLLOUTS);
        first.write(new Sequenced<>(1, DeliveryLossTest.batch("r", 0)));
        new SpillStore<>(tmp, SpillCodec.ROLLOUTS).close();
        assertEquals(0, java.nio.file.Files.list(tmp).count());
    }
}
