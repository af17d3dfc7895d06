package @PACKAGE@;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.cohort.api.reward.RewardInput;
import java.lang.annotation.Annotation;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class @CLASS@RewardTest {

    /** The configuration as Declarative Services would pass it, with max_tokens = limit. */
    private static @CLASS@Reward.Config maxTokens(int limit) {
        return new @CLASS@Reward.Config() {
            @Override
            public int max__tokens() {
                return limit;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return @CLASS@Reward.Config.class;
            }
        };
    }

    @Test
    void fullRewardUpToTheLimitThenLinearToZeroAtTwice() {
        RewardInput input = RewardInput.of(0,
                List.of("p", "p", "p", "p"),
                List.of("a", "a b c d", "a b c d e f", "a b c d e f g h i"),
                List.of(new int[1], new int[4], new int[6], new int[9]),
                List.of(Map.of(), Map.of(), Map.of(), Map.of()));

        double[] rewards = new @CLASS@Reward(maxTokens(4)).score(input);

        assertArrayEquals(new double[] {1.0, 1.0, 0.5, 0.0}, rewards, 1e-12);
    }
}
