package dev.cohort.trainer.internal.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.trainer.internal.tokenizer.CharTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdditionTaskTest {

    private final AdditionTask task = new AdditionTask();

    @Test
    void splitIsDisjointAndCoversEveryProblem() {
        Set<AdditionTask.Problem> train = new HashSet<>(task.trainProblems());
        Set<AdditionTask.Problem> heldOut = new HashSet<>(task.heldOutProblems());
        assertEquals(task.trainProblems().size(), train.size(), "train repeats a problem");
        assertEquals(task.heldOutProblems().size(), heldOut.size(), "held-out repeats a problem");
        for (AdditionTask.Problem p : heldOut) {
            assertFalse(train.contains(p), p + " is in both");
        }
        assertEquals(90 * 90, train.size() + heldOut.size());
        // about 10 %, and the number this hash gives (a changed split changes it)
        assertEquals(809, heldOut.size());
        assertEquals(7291, train.size());
    }

    @Test
    void splitKeepsBothOrdersOfAPairOnOneSide() {
        for (int a = AdditionTask.MIN_OPERAND; a <= AdditionTask.MAX_OPERAND; a++) {
            for (int b = AdditionTask.MIN_OPERAND; b <= AdditionTask.MAX_OPERAND; b++) {
                assertEquals(AdditionTask.isHeldOut(a, b), AdditionTask.isHeldOut(b, a), a + "+" + b);
            }
        }
    }

    @Test
    void splitAndOrderAreDeterministic() {
        AdditionTask again = new AdditionTask();
        assertEquals(task.trainProblems(), again.trainProblems());
        assertEquals(task.heldOutProblems(), again.heldOutProblems());
        // pinned: the first rows of the fixed order and the first held-out problems
        assertEquals(List.of(new AdditionTask.Problem(65, 53), new AdditionTask.Problem(17, 43)),
                task.trainProblems().subList(0, 2));
        assertEquals(task.heldOutProblems().get(0), firstHeldOut());
    }

    private static AdditionTask.Problem firstHeldOut() {
        for (int a = AdditionTask.MIN_OPERAND; a <= AdditionTask.MAX_OPERAND; a++) {
            for (int b = AdditionTask.MIN_OPERAND; b <= AdditionTask.MAX_OPERAND; b++) {
                if (AdditionTask.isHeldOut(a, b)) {
                    return new AdditionTask.Problem(a, b);
                }
            }
        }
        throw new AssertionError("nothing held out");
    }

    @Test
    void rowsHavePromptAndAnswerAsStrings() {
        List<Map<String, Object>> rows = task.trainRows(50);
        assertEquals(50, rows.size());
        CharTokenizer tok = AdditionTask.tokenizer();
        assertEquals(13, tok.vocabSize());
        assertEquals(12, tok.eos());
        for (Map<String, Object> row : rows) {
            assertEquals(List.of("prompt", "answer"), List.copyOf(row.keySet()));
            String prompt = (String) row.get("prompt");
            String answer = (String) row.get("answer");
            assertTrue(prompt.matches("[1-9][0-9]\\+[1-9][0-9]="), prompt);
            String[] ab = prompt.substring(0, prompt.length() - 1).split("\\+");
            assertEquals(Integer.toString(Integer.parseInt(ab[0]) + Integer.parseInt(ab[1])), answer);
            assertEquals(AdditionTask.PROMPT_TOKENS, tok.encode(prompt).length);
            assertTrue(tok.encode(answer).length <= AdditionTask.MAX_ANSWER_TOKENS);
        }
        assertEquals(Map.of("prompt", "23+58=", "answer", "81"), new AdditionTask.Problem(23, 58).row());
    }

    @Test
    void trainRowsAreAPrefixOfTheFixedOrder() {
        List<Map<String, Object>> ten = task.trainRows(10);
        assertEquals(ten, task.trainRows(100).subList(0, 10));
        assertEquals(task.trainProblems().size(), task.trainRows(Integer.MAX_VALUE).size());
        assertEquals(0, task.trainRows(0).size());
        assertThrows(IllegalArgumentException.class, () -> task.trainRows(-1));
        assertEquals(task.heldOutProblems().size(), task.heldOutRows().size());
    }

    @Test
    void writesOneJsonObjectPerLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("sub/rows.jsonl");
        List<Map<String, Object>> rows = task.trainRows(3);
        AdditionTask.writeJsonl(file, rows);
        String text = Files.readString(file, StandardCharsets.UTF_8);
        assertTrue(text.endsWith("\n"));
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertEquals(3, lines.size());
        assertEquals("{\"prompt\":\"65+53=\",\"answer\":\"118\"}", lines.get(0));
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < 3; i++) {
            assertEquals(rows.get(i), json.readValue(lines.get(i), Map.class));
        }
    }

    @Test
    void committedDataFilesMatchTheTask() throws IOException {
        Path dir = Examples.dir().resolve("addition");
        ObjectMapper json = new ObjectMapper();
        List<String> train = Files.readAllLines(dir.resolve("train.jsonl"));
        List<String> heldOut = Files.readAllLines(dir.resolve("held_out.jsonl"));
        List<Map<String, Object>> wantTrain = task.trainRows(Integer.MAX_VALUE);
        List<Map<String, Object>> wantHeldOut = task.heldOutRows();
        assertEquals(wantTrain.size(), train.size());
        assertEquals(wantHeldOut.size(), heldOut.size());
        for (int i = 0; i < train.size(); i++) {
            assertEquals(wantTrain.get(i), json.readValue(train.get(i), Map.class), "train.jsonl line " + (i + 1));
        }
        for (int i = 0; i < heldOut.size(); i++) {
            assertEquals(wantHeldOut.get(i), json.readValue(heldOut.get(i), Map.class),
                    "held_out.jsonl line " + (i + 1));
        }
    }
}
