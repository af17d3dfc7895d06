package dev.cohort.trainer.internal.task;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The same verdicts as the accuracy reward's AnswerMatcher on what the addition task can produce. */
class GradingTest {

    @Test
    void comparesTheLastNumberWithTheAnswer() {
        assertEquals(1.0, Grading.grade("81", "81"));
        assertEquals(1.0, Grading.grade("81=", "81"));
        assertEquals(1.0, Grading.grade("1+81", "81"));
        assertEquals(1.0, Grading.grade("081", "81"));
        assertEquals(0.0, Grading.grade("8", "81"));
        assertEquals(0.0, Grading.grade("811", "81"));
        assertEquals(0.0, Grading.grade("81+1", "81"));
        assertEquals(0.0, Grading.grade("", "81"));
        assertEquals(0.0, Grading.grade("+=", "81"));
        assertEquals(1.0, Grading.grade("118", 118));
        assertEquals(1.0, Grading.grade("answer 72.0", "72"));
    }

    @Test
    void comparesTextReferencesAfterNormalising() {
        assertEquals(1.0, Grading.grade("  Paris. ", "paris"));
        assertEquals(0.0, Grading.grade("London", "paris"));
    }
}
