package dev.cohort.itests;

import static org.junit.Assert.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.api.rollout.RolloutPublisher;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

/**
 * The trace-jsonl bundle is updated ten times, to alternating builds, while 1000 batches are
 * published at a steady rate; its trace file must hold every step exactly once, in order.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class HotUpdateIT extends CohortTestSupport {

    static final int BATCHES = 1000;
    static final int SAMPLES = 4;

    @Test
    public void hotUpdatesOfTraceJsonlLoseAndRepeatNothing() throws Exception {
        Path dir = Files.createTempDirectory("cohort-hot-update");
        // 200 batches/s is far faster than training; hold 2.5 s in memory (more would spill to disk).
        configure("dev.cohort.core.delivery", Map.of("history_size", 512));
        RolloutPublisher publisher = awaitPublisher(512);
        configure("dev.cohort.plugins.trace.jsonl", Map.of("directory", dir.toString()));
        awaitListener("trace-jsonl", Map.of("directory", dir.toString()));

        Bundle trace = Arrays.stream(context.getBundles())
                .filter(b -> "dev.cohort.plugins.trace-jsonl".equals(b.getSymbolicName()))
                .findFirst().orElseThrow();
        String versionA = trace.getVersion().toString();
        String versionB = versionA + "-alternate";
        byte[] buildA = Files.readAllBytes(Path.of(bundlePath("trace-jsonl")));
        byte[] buildB = TestBundles.withVersion(Path.of(bundlePath("trace-jsonl")), versionB);

        Thread trainer = new Thread(() -> {
            for (long step = 0; step < BATCHES; step++) {
                publisher.publish(batch("hot-update", step, SAMPLES / 2, 2));
                ListenerLifecycleIT.sleep(5);
            }
        }, "test-trainer");
        trainer.start();
        List<String> versions = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            Thread.sleep(400);
            trace.update(new ByteArrayInputStream(i % 2 == 0 ? buildB : buildA));
            versions.add(trace.getVersion().toString());
            expected.add(i % 2 == 0 ? versionB : versionA);
        }
        trainer.join();
        assertEquals(expected, versions);

        Path file = dir.resolve("hot-update.jsonl");
        await(() -> lines(file).size() >= BATCHES * SAMPLES);
        Thread.sleep(200);
        List<String> lines = lines(file);
        assertEquals(BATCHES * SAMPLES, lines.size());
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < lines.size(); i++) {
            JsonNode n = json.readTree(lines.get(i));
            assertEquals("line " + (i + 1), i / SAMPLES, n.get("step").asLong());
            assertEquals("line " + (i + 1), i % SAMPLES, n.get("sample").asInt());
        }
    }

    private RolloutPublisher awaitPublisher(int historySize) throws Exception {
        ServiceReference<?>[] found = new ServiceReference<?>[1];
        await(() -> {
            ServiceReference<RolloutPublisher> ref = context.getServiceReference(RolloutPublisher.class);
            if (ref != null && Integer.valueOf(historySize).equals(ref.getProperty("history_size"))) {
                found[0] = ref;
                return true;
            }
            return false;
        });
        @SuppressWarnings("unchecked")
        ServiceReference<RolloutPublisher> ref = (ServiceReference<RolloutPublisher>) found[0];
        return context.getService(ref);
    }

    private static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
