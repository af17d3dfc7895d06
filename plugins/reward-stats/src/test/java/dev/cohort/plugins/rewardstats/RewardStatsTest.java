package dev.cohort.plugins.rewardstats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.api.rollout.RolloutBatch;
import java.lang.annotation.Annotation;
import java.util.List;
import org.junit.jupiter.api.Test;

class RewardStatsTest {

    static RolloutBatch batch(long step) {
        // group 0: totals 2, 0 (std > 0); group 1: totals 1, 1 (zero std)
        return RolloutBatch.builder().runId("r").step(step).groupSize(2)
                .prompts(List.of("a", "a", "b", "b")).completions(List.of("1", "2", "3", "4"))
                .reward("acc", new double[] {1, 0, 1, Double.NaN})
                .reward("fmt", new double[] {1, 0, 0, 1})
                .advantages(new double[] {0.7, -0.7, 0, 0})
                .completionTokens(new int[] {10, 20, 30, 40})
                .truncated(new boolean[] {false, false, false, true}).build();
    }

    @Test
    void statisticsFollowTrlDefinitions() {
        StepStats s = StepStats.of(batch(3));
        StepStats.Moments acc = s.rewards().get("acc");
        assertEquals(2.0 / 3, acc.mean(), 1e-12);
        assertEquals(Math.sqrt((2 * Math.pow(1 - 2.0 / 3, 2) + Math.pow(2.0 / 3, 2)) / 2), acc.std(), 1e-12);
        assertEquals(3, acc.count());
        assertEquals(1.0, s.total().mean(), 1e-12);
        assertEquals(0.5, s.fracRewardZeroStd());
        assertEquals(25.0, s.completionLengthMean());
        assertEquals(0.25, s.clippedRatio());
    }

    @Test
    void keepsABoundedWindowAndFormatsIt() {
        RewardStatsListener l = new RewardStatsListener(config(3));
        for (long step = 0; step < 5; step++) {
            l.onRolloutsScored(batch(step));
        }
        assertEquals(List.of(2L, 3L, 4L), l.last(10).stream().map(StepStats::step).toList());
        String table = l.rewards(2);
        String[] lines = table.split("\n");
        assertEquals(3, lines.length, table);
        assertTrue(lines[0].matches("RUN\\s+STEP\\s+acc\\s+fmt\\s+total\\s+zero_std\\s+len\\s+clipped"), lines[0]);
        assertTrue(lines[2].matches("r\\s+4\\s+0\\.667 ±\\s+0\\.577\\s+0\\.500 ±\\s+0\\.577\\s+1\\.000 ±\\s+0\\.816\\s+0\\.50\\s+25\\.0\\s+0\\.25"), lines[2]);
    }

    static RewardStatsListener.Config config(int window) {
        return new RewardStatsListener.Config() {
            @Override
            public int window() {
                return window;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return RewardStatsListener.Config.class;
            }
        };
    }
}
