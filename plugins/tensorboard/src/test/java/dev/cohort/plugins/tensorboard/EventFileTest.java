package dev.cohort.plugins.tensorboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.plugins.tensorboard.proto.Event;
import dev.cohort.plugins.tensorboard.proto.Summary;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventFileTest {

    @TempDir
    Path dir;

    @Test
    void theFileStartsWithItsVersionAndHoldsOneSummaryPerStep() throws Exception {
        EventFile f = EventFile.create(dir.resolve("tb"), 1700000000.25, "host", 42, 1);
        assertEquals("events.out.tfevents.1700000000.host.42.1", f.path().getFileName().toString());
        Map<String, Double> step1 = new LinkedHashMap<>();
        step1.put("train/reward", 0.5);
        step1.put("train/kl", Double.NaN);
        step1.put("train/loss", -0.0127);
        f.scalars(1, 1700000001.5, step1);
        f.scalars(2, 1700000002.5, Map.of("train/reward", 0.75));
        List<Event> events = EventFile.read(f.path());
        assertEquals(3, events.size());
        assertEquals("brain.Event:2", events.get(0).getFileVersion());
        assertEquals(1700000000.25, events.get(0).getWallTime());
        assertEquals(EventFile.WRITER, events.get(0).getSourceMetadata().getWriter());
        Event e1 = events.get(1);
        assertEquals(1, e1.getStep());
        assertEquals(1700000001.5, e1.getWallTime());
        List<Summary.Value> v = e1.getSummary().getValueList();
        assertEquals(List.of("train/reward", "train/loss"), v.stream().map(Summary.Value::getTag).toList(),
                "NaN is left out");
        assertEquals(0.5f, v.get(0).getSimpleValue());
        assertEquals(-0.0127f, v.get(1).getSimpleValue());
        assertEquals(2, events.get(2).getStep());
        assertTrue(events.get(2).hasSummary());
    }

    @Test
    void tagsAreHuggingFacesTrainingTags() {
        assertEquals(List.of("train/reward", "train/rewards/accuracy/mean"), List.copyOf(
                TensorBoardListener.tags(Map.of("reward", 1.0, "rewards/accuracy/mean", 1.0)).keySet()).stream()
                .sorted().toList());
    }

    @Test
    void aRunWantsTensorBoardUnlessItsReportToLeavesItOut() {
        assertTrue(RunDirectory.wants(null));
        assertTrue(RunDirectory.wants(new String[] {"all"}));
        assertTrue(RunDirectory.wants(new String[] {"tensorboard", "dashboard"}));
        assertEquals(false, RunDirectory.wants(new String[] {"none"}));
        assertEquals(false, RunDirectory.wants(new String[] {"dashboard"}));
        assertEquals("a_b_c", RunDirectory.safe("a/b c"));
        assertEquals("x\\(1\\)\\*", RunDirectory.escape("x(1)*"));
    }
}
