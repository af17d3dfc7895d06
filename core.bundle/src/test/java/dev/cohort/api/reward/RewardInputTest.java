package dev.cohort.api.reward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RewardInputTest {

    @Test
    void holdsCopiesAndReadOnlyViews() {
        int[] ids = {5, 6, 7};
        Map<String, Object> row = new HashMap<>(Map.of("answer", "4"));
        List<String> completions = new ArrayList<>(List.of("four"));
        RewardInput in = RewardInput.of(3, List.of("2+2?"), completions, List.of(ids), List.of(row));
        ids[0] = 99;
        row.put("answer", "5");
        completions.set(0, "five");
        assertArrayEquals(new int[] {5, 6, 7}, in.completionTokenIds(0));
        assertEquals(3, in.completionLength(0));
        assertEquals("4", in.rows().get(0).get("answer"));
        assertEquals("four", in.completions().get(0));
        assertThrows(UnsupportedOperationException.class, () -> in.rows().get(0).put("x", 1));
        in.completionTokenIds(0)[1] = 0;
        assertEquals(6, in.completionTokenIds(0)[1]);
        assertEquals(3, in.step());
        assertEquals(1, in.size());
    }

    @Test
    void lengthsMustAgree() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RewardInput.of(0,
                List.of("a", "b"), List.of("x"), List.of(new int[0], new int[0]), List.of(Map.of(), Map.of())));
        assertEquals("completions has 1 elements but prompts has 2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RewardInput.of(0,
                List.of("a"), List.of("x"), List.of(new int[0]), List.of(Map.of(), Map.of())));
        assertEquals("rows has 2 elements but prompts has 1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RewardInput.of(0,
                List.of("a"), List.of("x"), List.of(), List.of(Map.of())));
        assertEquals("completionTokenIds has 0 elements but prompts has 1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RewardInput.of(-1,
                List.of("a"), List.of("x"), List.of(new int[0]), List.of(Map.of())));
        assertEquals("step must be >= 0, got -1", e.getMessage());
    }
}
