package dev.cohort.core.internal.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.api.rollout.RolloutBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceReaderTest {

    @TempDir
    Path dir;

    @Test
    void readsTheSampleTraceIntoBatches() throws IOException {
        List<RolloutBatch> batches = new TraceReader().read(Path.of("../docs/examples/sample-trace.jsonl"));
        assertEquals(3, batches.size());
        RolloutBatch first = batches.get(0);
        assertEquals("sample-arith", first.runId());
        assertEquals(0, first.step());
        assertEquals(4, first.groupSize());
        assertEquals(8, first.size());
        assertEquals(List.of("accuracy", "format"), first.rewardNames());
        assertEquals(2, batches.get(2).step());
        for (RolloutBatch b : batches) {
            for (int g = 0; g < b.groupCount(); g++) {
                double sum = 0;
                for (int i = g * b.groupSize(); i < (g + 1) * b.groupSize(); i++) {
                    sum += b.advantage(i);
                }
                assertEquals(0, sum, 1e-3, "advantages of a group sum to zero");
            }
        }
    }

    @Test
    void theWeightsVersionIsReadAndAbsentMeansUnknown() throws IOException {
        String withVersion = line(0, 0, "1.0").replace("\"truncated\":false}", "\"truncated\":false,\"weights_version\":7}");
        Path f = Files.writeString(dir.resolve("v.jsonl"), withVersion + "\n" + line(1, 0, "0.0") + "\n");
        assertEquals(7, new TraceReader().read(f).get(0).weightsVersion());
        Path old = Files.writeString(dir.resolve("o.jsonl"), line(0, 0, "1.0") + "\n" + line(1, 0, "0.0") + "\n");
        assertEquals(-1, new TraceReader().read(old).get(0).weightsVersion());
    }

    @Test
    void nullRewardsBecomeNaN() throws IOException {
        Path f = Files.writeString(dir.resolve("t.jsonl"),
                line(0, 0, "null") + "\n" + line(1, 0, "1.0") + "\n");
        RolloutBatch b = new TraceReader().read(f).get(0);
        assertTrue(Double.isNaN(b.reward("acc", 0)));
        assertEquals(1.0, b.reward("acc", 1));
        assertEquals(2, b.groupSize());
    }

    @Test
    void badLinesAreReportedWithFileAndLineNumber() throws IOException {
        Path f = Files.writeString(dir.resolve("bad.jsonl"), line(0, 0, "1") + "\n{not json\n");
        IOException e = assertThrows(IOException.class, () -> new TraceReader().read(f));
        assertTrue(e.getMessage().startsWith(f + ":2: not a JSON object"), e.getMessage());

        Path g = Files.writeString(dir.resolve("missing.jsonl"), "{\"run_id\":\"r\",\"step\":0}\n");
        e = assertThrows(IOException.class, () -> new TraceReader().read(g));
        assertEquals(g + ":1: field 'sample' is missing", e.getMessage());

        Path h = Files.writeString(dir.resolve("gap.jsonl"), line(0, 0, "1") + "\n" + line(2, 0, "1") + "\n");
        e = assertThrows(IOException.class, () -> new TraceReader().read(h));
        assertEquals(h + ":2: expected sample 1 of step 0, found 2", e.getMessage());
    }

    private static String line(int sample, int group, String reward) {
        return "{\"run_id\":\"r\",\"step\":0,\"sample\":" + sample + ",\"group\":" + group
                + ",\"prompt\":\"p\",\"completion\":\"c\",\"rewards\":{\"acc\":" + reward
                + "},\"total_reward\":" + reward + ",\"advantage\":0.0,\"completion_tokens\":1,\"truncated\":false}";
    }
}
