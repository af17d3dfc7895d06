package dev.cohort.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.plugins.tensorboard.EventFile;
import dev.cohort.plugins.tensorboard.proto.Event;
import dev.cohort.plugins.tensorboard.proto.Summary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a finished run leaves in its folder besides checkpoints: config.yaml (the resolved
 * configuration), metrics.jsonl (a line per logging step), log_history in the last checkpoint's
 * trainer_state.json, and a TensorBoard event file whose records read back with their CRCs.
 */
final class RunOutputs {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RunOutputs() {
    }

    static void check(Path runDir, int maxSteps, int loggingSteps, Path yaml) throws IOException {
        String config = Files.readString(runDir.resolve("config.yaml"));
        // every key with its effective value: those the file gave, and defaults it did not
        assertTrue(config.contains("\nlogging_steps: " + loggingSteps + "\n"), config);
        assertTrue(config.contains("\nmax_steps: " + maxSteps + "\n"), config);
        assertTrue(config.contains("\nreport_to:\n- \"all\"\n"), config);
        assertTrue(config.contains("\nloss_type: \"dapo\"\n"), config);
        List<String> lines = Files.readAllLines(runDir.resolve("metrics.jsonl"));
        assertEquals(maxSteps / loggingSteps, lines.size(), "one line per logging step: " + lines);
        List<Long> loggedSteps = new ArrayList<>();
        for (String l : lines) {
            JsonNode n = JSON.readTree(l);
            loggedSteps.add(n.get("step").asLong());
            assertTrue(n.has("time") && n.has("weights_version") && n.has("reward") && n.has("loss"), l);
        }
        JsonNode state = JSON.readTree(runDir.resolve("checkpoint-" + maxSteps).resolve("trainer_state.json").toFile());
        JsonNode history = state.get("log_history");
        assertEquals(lines.size(), history.size(), history.toString());
        for (int i = 0; i < history.size(); i++) {
            assertEquals(loggedSteps.get(i), history.get(i).get("step").asLong());
            assertEquals(JSON.readTree(lines.get(i)).get("reward").asDouble(), history.get(i).get("reward").asDouble());
            assertTrue(history.get(i).has("learning_rate") && history.get(i).has("epoch"), history.toString());
        }
        List<Path> events;
        try (Stream<Path> s = Files.list(runDir.resolve("tensorboard"))) {
            events = s.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents.")).toList();
        }
        assertEquals(1, events.size(), "one event file: " + events);
        List<Event> read = EventFile.read(events.get(0)); // every record's CRCs checked
        assertEquals("brain.Event:2", read.get(0).getFileVersion());
        assertEquals(1 + maxSteps, read.size(), "the version and one event per step");
        for (int i = 1; i <= maxSteps; i++) {
            assertEquals(i, read.get(i).getStep());
            assertTrue(read.get(i).getSummary().getValueList().stream().map(Summary.Value::getTag).toList()
                    .contains("train/reward"), read.get(i).toString());
        }
    }
}
