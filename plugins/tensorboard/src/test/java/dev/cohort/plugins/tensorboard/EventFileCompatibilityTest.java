package dev.cohort.plugins.tensorboard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cohort.plugins.tensorboard.proto.Event;
import dev.cohort.plugins.tensorboard.proto.Summary;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against TensorBoard's own writer: src/test/resources/tensorboard-writer holds an event file that
 * TensorBoard 2.21's EventFileWriter wrote (src/test/python/write_fixture.py). The plugin reads it,
 * CRCs checked, and writes the same steps to the same bytes.
 */
class EventFileCompatibilityTest {

    @TempDir
    Path dir;

    private static final double[][] STEPS = {{0.5, -0.0127}, {0.75, 0.25}, {1.0, 3.5e-05}};

    private static byte[] fixture() throws Exception {
        try (InputStream in = EventFileCompatibilityTest.class.getResourceAsStream(
                "/tensorboard-writer/events.out.tfevents.1700000000.tensorboard-writer")) {
            return in.readAllBytes();
        }
    }

    @Test
    void tensorBoardsFileReadsBack() throws Exception {
        Path f = dir.resolve("events.out.tfevents.x");
        Files.write(f, fixture());
        List<Event> events = EventFile.read(f);
        assertEquals(4, events.size());
        assertEquals(EventFile.FILE_VERSION, events.get(0).getFileVersion());
        for (int i = 1; i <= 3; i++) {
            Event e = events.get(i);
            assertEquals(i, e.getStep());
            assertEquals(1700000000.0 + i, e.getWallTime());
            List<Summary.Value> v = e.getSummary().getValueList();
            assertEquals("train/reward", v.get(0).getTag());
            assertEquals((float) STEPS[i - 1][0], v.get(0).getSimpleValue());
            assertEquals("train/loss", v.get(1).getTag());
            assertEquals((float) STEPS[i - 1][1], v.get(1).getSimpleValue());
        }
    }

    @Test
    void thePluginWritesTheSameStepsToTheSameBytes() throws Exception {
        byte[] theirs = fixture();
        List<byte[]> records = TfRecords.read(theirs, false);
        EventFile mine = EventFile.create(dir, 1700000000.0, "h", 1, 1);
        for (int i = 1; i <= 3; i++) {
            mine.scalars(i, 1700000000.0 + i, Map.of("train/reward", STEPS[i - 1][0]));
        }
        // the version event is TensorBoard's own (its writer's source metadata); the steps are ours
        List<byte[]> expected = new ArrayList<>();
        expected.add(records.get(0));
        for (int i = 1; i <= 3; i++) {
            Event ours = Event.newBuilder().setWallTime(1700000000.0 + i).setStep(i).setSummary(Summary.newBuilder()
                    .addValue(Summary.Value.newBuilder().setTag("train/reward").setSimpleValue((float) STEPS[i - 1][0]))
                    .addValue(Summary.Value.newBuilder().setTag("train/loss").setSimpleValue((float) STEPS[i - 1][1])))
                    .build();
            expected.add(ours.toByteArray());
        }
        assertArrayEquals(theirs, TfRecords.frameAll(expected), "framing, CRCs and Event bytes as TensorBoard's");
        assertEquals(4, EventFile.read(mine.path()).size());
    }
}
