package dev.cohort.plugins.rewards;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.api.reward.RewardInput;
import java.lang.annotation.Annotation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BuiltinRewardsTest {

    static RewardInput input(List<String> completions, List<Map<String, ?>> rows) {
        List<String> prompts = new ArrayList<>();
        List<int[]> ids = new ArrayList<>();
        for (int i = 0; i < completions.size(); i++) {
            prompts.add("q");
            ids.add(new int[] {1, 2});
        }
        return RewardInput.of(0, prompts, completions, ids, rows);
    }

    @Test
    void finalAnswerExtraction() {
        assertEquals("42", AnswerMatcher.finalAnswer("so \\boxed{41} no wait \\boxed{42}"));
        assertEquals(" 72", AnswerMatcher.finalAnswer("48 + 24 = 72\n#### 72"));
        assertEquals("Paris.", AnswerMatcher.finalAnswer("Let me think.\nThe answer is Paris."));
        assertEquals("7", AnswerMatcher.finalAnswer("Answer: 7"));
        assertEquals("just text", AnswerMatcher.finalAnswer("just text"));
    }

    @Test
    void numericAnswersCompareAsNumbers() {
        assertEquals(1.0, AnswerMatcher.grade("The answer is 1,234.", 1234));
        assertEquals(1.0, AnswerMatcher.grade("#### 72.00", "72"));
        assertEquals(1.0, AnswerMatcher.grade("It costs $18. The answer is $18", "#### 18"));
        assertEquals(1.0, AnswerMatcher.grade("first 3 then -5", -5));
        assertEquals(0.0, AnswerMatcher.grade("The answer is 71", 72));
        assertEquals(0.0, AnswerMatcher.grade("I do not know", 72));
        assertEquals(1.0, AnswerMatcher.grade("the answer is 0.5", 0.5));
    }

    @Test
    void textAnswersCompareNormalised() {
        assertEquals(1.0, AnswerMatcher.grade("The answer is  PARIS .", "Paris"));
        assertEquals(1.0, AnswerMatcher.grade("\\boxed{\"blue whale\"}", "Blue Whale"));
        assertEquals(0.0, AnswerMatcher.grade("The answer is Lyon", "Paris"));
    }

    @Test
    void accuracyReadsTheConfiguredFieldAndGivesNoRewardWithoutIt() {
        AccuracyReward acc = new AccuracyReward(accuracyConfig("solution"));
        double[] r = acc.score(input(List.of("#### 4", "#### 5", "#### 4"),
                List.of(Map.of("solution", 4), Map.of("solution", 4), Map.of("other", 1))));
        assertEquals(1.0, r[0]);
        assertEquals(0.0, r[1]);
        assertTrue(Double.isNaN(r[2]), "no reference: no reward");
    }

    @Test
    void formatFullAndFind() {
        FormatReward full = new FormatReward(formatConfig(FormatReward.DEFAULT_PATTERN, "full"));
        assertArrayEquals(new double[] {1, 0, 0}, full.score(input(List.of(
                "<think>\n2+2\n</think>\n<answer>4</answer>", "<answer>4</answer>",
                "<think>x</think><answer>4</answer> trailing"), List.of(Map.of(), Map.of(), Map.of()))));
        FormatReward find = new FormatReward(formatConfig("answer is \\d+", "find"));
        assertArrayEquals(new double[] {1, 0}, find.score(input(List.of("so the answer is 4 ok", "no"),
                List.of(Map.of(), Map.of()))));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new FormatReward(formatConfig("(unclosed", "full")));
        assertTrue(e.getMessage().startsWith("dev.cohort.rewards.format: pattern is not a valid regular expression"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new FormatReward(formatConfig("x", "partial")));
        assertEquals("dev.cohort.rewards.format: mode must be 'full' or 'find', got 'partial'", e.getMessage());
    }

    @Test
    void lengthIsTrlQuickStartReward() {
        LengthReward len = new LengthReward(new LengthReward.Config() {
            @Override
            public int target() {
                return 20;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return LengthReward.Config.class;
            }
        });
        assertArrayEquals(new double[] {0, -5, -20, -1},
                len.score(input(List.of("12345678901234567890", "123456789012345", "", "😀".repeat(21)),
                        List.of(Map.of(), Map.of(), Map.of(), Map.of()))));
    }

    static AccuracyReward.Config accuracyConfig(String field) {
        return new AccuracyReward.Config() {
            @Override
            public String answer__field() {
                return field;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return AccuracyReward.Config.class;
            }
        };
    }

    static FormatReward.Config formatConfig(String pattern, String mode) {
        return new FormatReward.Config() {
            @Override
            public String pattern() {
                return pattern;
            }

            @Override
            public String mode() {
                return mode;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return FormatReward.Config.class;
            }
        };
    }
}
