package dev.cohort.trainer.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class SuggestionsTest {

    @Test
    void levenshteinDistance() {
        assertEquals(0, Suggestions.distance("seed", "seed"));
        assertEquals(1, Suggestions.distance("lerning_rate", "learning_rate"));
        assertEquals(1, Suggestions.distance("top_q", "top_p"));
        assertEquals(3, Suggestions.distance("kitten", "sitting"));
        assertEquals(4, Suggestions.distance("", "beta"));
    }

    @Test
    void closestWithinThreeEditsFirstOnTies() {
        List<String> keys = List.of("top_p", "top_k", "temperature");
        assertEquals("top_p", Suggestions.closest("top_x", keys));
        assertEquals("top_k", Suggestions.closest("topk", keys));
        assertEquals("temperature", Suggestions.closest("tempreture", keys));
        assertNull(Suggestions.closest("completely_other", keys));
    }
}
