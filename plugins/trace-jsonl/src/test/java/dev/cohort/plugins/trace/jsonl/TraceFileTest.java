package dev.cohort.plugins.trace.jsonl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.api.rollout.RolloutBatch;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceFileTest {

    @TempDir
    Path dir;

    private final ObjectMapper json = new ObjectMapper();

    static RolloutBatch batch(String run, long step) {
        return RolloutBatch.builder().runId(run).step(step).groupSize(2)
                .prompts(List.of("2+2?", "2+2?", "3*3?", "3*3?"))
                .completions(List.of("4", "five\n\"quoted\"", "9", "…"))
                .reward("accuracy", new double[] {1, 0, 1, Double.NaN})
                .reward("format", new double[] {1, 1, 0, Double.NaN})
                .advantages(new double[] {0.7071, -0.7071, 0, 0})
                .completionTokens(new int[] {1, 4, 1, 256})
                .truncated(new boolean[] {false, false, false, true})
                .scoredAt(Instant.parse("2026-11-27T10:00:00Z")).weightsVersion(step - 1).build();
    }

    @Test
    void everySampleBecomesOneJsonLineWithAllFields() throws Exception {
        TraceFile trace = new TraceFile(dir);
        trace.append(batch("run-1", 7));
        List<String> lines = Files.readAllLines(dir.resolve("run-1.jsonl"));
        assertEquals(4, lines.size());
        JsonNode s1 = json.readTree(lines.get(1));
        assertEquals("run-1", s1.get("run_id").asText());
        assertEquals(7, s1.get("step").asLong());
        assertEquals(1, s1.get("sample").asInt());
        assertEquals(0, s1.get("group").asInt());
        assertEquals("2+2?", s1.get("prompt").asText());
        assertEquals("five\n\"quoted\"", s1.get("completion").asText());
        assertEquals(0.0, s1.get("rewards").get("accuracy").asDouble());
        assertEquals(1.0, s1.get("rewards").get("format").asDouble());
        assertEquals(1.0, s1.get("total_reward").asDouble());
        assertEquals(-0.7071, s1.get("advantage").asDouble());
        assertEquals(4, s1.get("completion_tokens").asInt());
        assertEquals(false, s1.get("truncated").asBoolean());
        assertEquals("2026-11-27T10:00:00Z", s1.get("scored_at").asText());
        assertEquals(6, s1.get("weights_version").asLong(), "every sample line carries its weights version");

        JsonNode s3 = json.readTree(lines.get(3));
        assertEquals(1, s3.get("group").asInt());
        assertTrue(s3.get("rewards").get("accuracy").isNull(), "NaN (no reward) is written as null");
        assertTrue(s3.get("total_reward").isNull());
        assertTrue(s3.get("truncated").asBoolean());
        assertEquals("…", s3.get("completion").asText());
    }

    @Test
    void aNewInstanceContinuesTheSameFile() throws Exception {
        new TraceFile(dir).append(batch("run-2", 0));
        new TraceFile(dir).append(batch("run-2", 1));
        List<String> lines = Files.readAllLines(dir.resolve("run-2.jsonl"));
        assertEquals(8, lines.size());
        assertEquals(0, json.readTree(lines.get(3)).get("step").asLong());
        assertEquals(1, json.readTree(lines.get(4)).get("step").asLong());
    }

    @Test
    void runIdsBecomeSafeFileNames() {
        TraceFile trace = new TraceFile(dir);
        assertEquals(dir.resolve("a_b_.._c.jsonl"), trace.fileFor("a/b/../c"));
        assertEquals(dir.resolve("run.hidden.jsonl"), trace.fileFor(".hidden"));
    }

    @Test
    void unwritableDirectoryGivesOneClearErrorPerBatch() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("occupied"), "a file, not a directory");
        TraceFile trace = new TraceFile(notADirectory.resolve("traces"));
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> trace.append(batch("run-3", 5)));
        assertTrue(e.getMessage().startsWith("trace-jsonl cannot write step 5 of run run-3 to "
                + notADirectory.resolve("traces/run-3.jsonl")), e.getMessage());
        e = assertThrows(UncheckedIOException.class, () -> trace.append(batch("run-3", 6)));
        assertTrue(e.getMessage().contains("step 6"), e.getMessage());
    }

    @Test
    void aResumedRunMarksTheFirstRerunStep() throws Exception {
        TraceFile trace = new TraceFile(dir);
        for (long step = 0; step < 4; step++) {
            trace.append(batch("run-4", step));
        }
        // a new runtime resumes from checkpoint-2: steps 2 and 3 are run again
        TraceFile resumed = new TraceFile(dir);
        resumed.append(batch("run-4", 2));
        resumed.append(batch("run-4", 3));
        resumed.append(batch("run-4", 4));
        List<String> lines = Files.readAllLines(dir.resolve("run-4.jsonl"));
        assertEquals(7 * 4, lines.size());
        for (int i = 0; i < lines.size(); i++) {
            JsonNode n = json.readTree(lines.get(i));
            assertEquals(i >= 16 && i < 20, n.has("resumed"), "line " + i + ": " + lines.get(i));
            if (n.has("resumed")) {
                assertEquals(2, n.get("step").asLong());
                assertTrue(n.get("resumed").asBoolean());
            }
        }
        // the same instance, a resume in the same runtime, and a run id that looks like a step
        trace.append(batch("run-4", 1));
        assertTrue(json.readTree(Files.readAllLines(dir.resolve("run-4.jsonl")).get(28)).get("resumed").asBoolean());
        trace.append(batch("\"step\":99", 0));
        new TraceFile(dir).append(batch("\"step\":99", 1));
        assertTrue(Files.readAllLines(trace.fileFor("\"step\":99")).stream().noneMatch(l -> l.contains("resumed")));
    }
}
