package dev.cohort.api.rollout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class RolloutBatchTest {

    static RolloutBatch.Builder valid() {
        return RolloutBatch.builder().runId("run-1").step(3).groupSize(2)
                .prompts(List.of("p0", "p0", "p1", "p1"))
                .completions(List.of("a", "b", "c", "d"))
                .reward("accuracy", new double[] {1, 0, Double.NaN, 1})
                .reward("format", new double[] {0.5, 0.5, Double.NaN, 0})
                .advantages(new double[] {0.7, -0.7, 0, 0.7})
                .completionTokens(new int[] {3, 4, 5, 6})
                .truncated(new boolean[] {false, false, true, false});
    }

    @Test
    void exposesFieldsAndDerivesTotals() {
        RolloutBatch b = valid().build();
        assertEquals(4, b.size());
        assertEquals(2, b.groupCount());
        assertEquals(List.of("accuracy", "format"), b.rewardNames());
        assertArrayEquals(new double[] {1.5, 0.5, Double.NaN, 1}, b.totalRewards());
        assertEquals(0.5, b.reward("format", 1));
        assertTrue(b.truncated(2));
        assertEquals(5, b.completionTokens(2));
    }

    @Test
    void arraysHandedOutAreCopies() {
        double[] adv = {0.7, -0.7, 0, 0.7};
        RolloutBatch b = valid().advantages(adv).build();
        adv[0] = 99;
        b.advantages()[1] = 99;
        b.rewards("accuracy")[0] = 99;
        b.rewards().get("format")[0] = 99;
        assertEquals(0.7, b.advantage(0));
        assertEquals(-0.7, b.advantage(1));
        assertEquals(1.0, b.reward("accuracy", 0));
        assertEquals(0.5, b.reward("format", 0));
        assertThrows(UnsupportedOperationException.class, () -> b.prompts().add("x"));
        assertThrows(UnsupportedOperationException.class, () -> b.rewards().clear());
    }

    @Test
    void lengthMismatchNamesFieldAndBothSizes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> valid().advantages(new double[] {1, 2, 3}).build());
        assertEquals("advantages has 3 elements but prompts has 4", e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> valid().completions(List.of("a")).build());
        assertEquals("completions has 1 elements but prompts has 4", e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> valid().reward("len", new double[5]).build());
        assertEquals("rewards[len] has 5 elements but prompts has 4", e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> valid().truncated(new boolean[2]).build());
        assertEquals("truncated has 2 elements but prompts has 4", e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> valid().completionTokens(new int[0]).build());
        assertEquals("completionTokens has 0 elements but prompts has 4", e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> valid().totalRewards(new double[1]).build());
        assertEquals("totalRewards has 1 elements but prompts has 4", e.getMessage());
    }

    @Test
    void completionIdsAreOptionalCopiedAndCheckedAgainstTheTokenCounts() {
        assertTrue(valid().build().completionIds().isEmpty());
        int[] counts = valid().build().completionTokens();
        List<int[]> ids = new java.util.ArrayList<>();
        for (int c : counts) {
            ids.add(java.util.stream.IntStream.range(0, c).toArray());
        }
        RolloutBatch b = valid().completionIds(ids).build();
        assertArrayEquals(ids.get(1), b.completionIds().get(1));
        b.completionIds().get(1)[0] = 99;
        assertArrayEquals(ids.get(1), b.completionIds().get(1), "a copy");
        ids.set(2, new int[counts[2] + 1]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> valid().completionIds(ids).build());
        assertEquals("completionIds[2] has " + (counts[2] + 1) + " ids but completionTokens[2] is " + counts[2],
                e.getMessage());
    }

    @Test
    void groupSizeMustDivideSamples() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> valid().groupSize(3).build());
        assertEquals("groupSize 3 does not divide the number of samples 4 (prompts)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> valid().groupSize(0).build());
        assertEquals("groupSize must be >= 1, got 0", e.getMessage());
    }

    @Test
    void missingFieldsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> valid().runId(null).build());
        assertEquals("runId is required", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> valid().advantages(null).build());
        assertEquals("advantages is required", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> valid().reward("accuracy", new double[4]));
        assertEquals("reward function 'accuracy' given twice", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> valid().build().rewards("nope"));
        assertEquals("no reward function 'nope' in this batch; it has [accuracy, format]", e.getMessage());
    }

    @Test
    void valueEquality() {
        java.time.Instant t = java.time.Instant.parse("2026-01-01T00:00:00Z");
        assertEquals(valid().scoredAt(t).build(), valid().scoredAt(t).build());
        assertEquals(valid().scoredAt(t).build().hashCode(), valid().scoredAt(t).build().hashCode());
    }
}
