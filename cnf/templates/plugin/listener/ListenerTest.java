package @PACKAGE@;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cohort.api.rollout.RolloutBatch;
import java.util.List;
import org.junit.jupiter.api.Test;

class @CLASS@ListenerTest {

    @Test
    void summarisesEachBatch() {
        // One group of two samples, scored by one reward function.
        RolloutBatch batch = RolloutBatch.builder()
                .runId("test-run").step(3).groupSize(2)
                .prompts(List.of("1+1=", "1+1="))
                .completions(List.of("2", "11111111"))
                .reward("accuracy", new double[] {1.0, 0.0})
                .advantages(new double[] {0.7071, -0.7071})
                .totalRewards(new double[] {1.0, 0.0})
                .completionTokens(new int[] {1, 8})
                .truncated(new boolean[] {false, true})
                .build();

        @CLASS@Listener.StepSummary summary = @CLASS@Listener.StepSummary.of(batch);

        assertEquals(3, summary.step());
        assertEquals(2, summary.samples());
        assertEquals(0.5, summary.meanReward(), 1e-12);
        assertEquals(0.5, summary.truncatedShare(), 1e-12);
    }
}
