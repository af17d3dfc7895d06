package dev.cohort.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.cohort.api.rollout.RolloutBatch;
import dev.cohort.api.training.TrainingMetrics;
import dev.cohort.itests.bundles.TestListenerActivator;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceRegistration;

/**
 * GRPO runs in the runtime, started from the shell: plugins see one consistent batch per step,
 * in order, through a hot update of the listener mid-run; metrics reach training listeners; a
 * bad configuration is refused with its line; a reward function that vanishes ends the run;
 * plugin properties of every type reach Config Admin.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class TrainingIT extends CohortTestSupport {

    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();

    @After
    public void cleanUp() {
        registrations.forEach(ServiceRegistration::unregister);
        registrations.clear();
        unregisterSinks();
    }

    /** A small run: tiny model, character tokenizer, the length reward, {@code extra} lines appended. */
    static Path config(Path dir, String name, String extra, int steps) throws Exception {
        Path data = dir.resolve("prompts.jsonl");
        Files.write(data, List.of("{\"prompt\":\"ab\"}", "{\"prompt\":\"ba\"}", "{\"prompt\":\"aab\"}",
                "{\"prompt\":\"bba\"}", "{\"prompt\":\"b\"}"));
        Path yaml = dir.resolve(name);
        Files.writeString(yaml, String.join("\n",
                "model: tiny",
                "tokenizer: char",
                "tokenizer_alphabet: ab",
                "dataset: prompts.jsonl",
                "reward_funcs: [length]",
                "max_steps: " + steps,
                "per_device_train_batch_size: 4",
                "num_generations: 4",
                "max_completion_length: 6",
                "learning_rate: 0.001",
                "output_dir: runs",
                "run_name: " + name.replace(".yaml", ""),
                extra, ""));
        return yaml;
    }

    @Test
    public void listenersSeeEveryStepInOrderThroughAnUpdateMidRun() throws Exception {
        Path dir = Files.createTempDirectory("cohort-train");
        Received batches = sink("rec");
        List<TrainingMetrics> metrics = new CopyOnWriteArrayList<>();
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(TestListenerActivator.SINK, "metrics");
        registrations.add(context.registerService(BiConsumer.class,
                (BiConsumer<String, Object>) (label, m) -> metrics.add((TrainingMetrics) m), props));
        List<RolloutBatch> seen = new CopyOnWriteArrayList<>();
        Hashtable<String, Object> props2 = new Hashtable<>();
        props2.put(TestListenerActivator.SINK, "rec");
        registrations.add(context.registerService(BiConsumer.class,
                (BiConsumer<String, Object>) (label, b) -> seen.add((RolloutBatch) b), props2));
        Bundle rec = installListener("rec", "record", Map.of());
        Bundle met = installListener("metrics", "record-metrics", Map.of());

        String id = gogo("cohort:train " + config(dir, "it-run.yaml", "", 24)).trim();
        assertEquals("it-run", id);
        await(() -> batches.steps.size() >= 5);
        rec.update(new ByteArrayInputStream(TestBundles.listener("cohort.itest.rec", "1.0.1", "rec", "record", Map.of())));
        String end = awaitEnd(id);
        assertTrue(end, end.contains(" finished "));
        await(() -> batches.steps.size() >= 24 && metrics.size() >= 24);
        assertEquals(ListenerLifecycleIT.range(0, 24), batches.steps);
        assertTrue(batches.labels.get(23).startsWith("1.0.1#"));
        for (RolloutBatch b : seen) {
            assertEquals(4, b.size());
            assertEquals(4, b.groupSize());
            assertEquals(List.of("length"), b.rewardNames());
            assertEquals("it-run", b.runId());
        }
        for (int i = 0; i < 24; i++) {
            assertEquals(i + 1, metrics.get(i).step());
            assertTrue(metrics.get(i).values().containsKey("reward"));
        }
        assertTrue(Files.isRegularFile(dir.resolve("runs/it-run/checkpoint-24/model.safetensors")));
        rec.uninstall();
        met.uninstall();
    }

    @Test
    public void aBadConfigurationIsRefusedWithItsLines() throws Exception {
        Path dir = Files.createTempDirectory("cohort-bad");
        Path yaml = dir.resolve("bad.yaml");
        Files.writeString(yaml, "model: tiny\ndataset: nowhere.jsonl\nlerning_rate: 0.1\nreward_funcs: [length]\n"
                + "max_steps: 5\nnum_generations: 3\n");
        String out = gogoOrError("cohort:train " + yaml);
        assertTrue(out, out.contains(yaml + ":3: lerning_rate: unknown key; did you mean learning_rate?"));
        assertTrue(out, out.contains(yaml + ":6: num_generations: 3 does not divide the generation batch"));
        assertTrue(out, !gogo("cohort:runs").contains("bad"));
    }

    @Test
    public void aRewardFunctionThatVanishesMidRunEndsTheRun() throws Exception {
        Path dir = Files.createTempDirectory("cohort-vanish");
        Bundle vanish = context.installBundle("test:vanish", new ByteArrayInputStream(
                TestBundles.reward("cohort.itest.vanish", "1.0.0", "vanish", "brevity")));
        vanish.start();
        Path yaml = config(dir, "vanish.yaml", "reward_wait_ms: 300", 400);
        Files.writeString(yaml, Files.readString(yaml).replace("reward_funcs: [length]", "reward_funcs: [vanish]"));
        String id = gogo("cohort:train " + yaml).trim();
        await(() -> gogoOrError("cohort:status " + id).matches("(?s).*step +[3-9]/.*|.*step +\\d\\d+/.*"));
        vanish.uninstall();
        String end = awaitEnd(id);
        assertTrue(end, end.contains(" failed ") && end.contains("reward function [vanish] not registered after waiting 300 ms;"
                + " registered: [accuracy, format, length]"));
    }

    @Test
    public void pluginPropertiesOfEveryTypeReachConfigAdmin() throws Exception {
        Path dir = Files.createTempDirectory("cohort-types");
        Path yaml = config(dir, "types.yaml", String.join("\n", "plugins:", "  cohort.itest.types:",
                "    name: trace", "    count: 3", "    ratio: 0.25", "    on: true", "    tags: [a, b]",
                "    sizes: [1, 2]", "    ratios: [0.5, 1.5]", "    flags: [true, false]", "    none: []"), 2);
        String id = gogo("cohort:train " + yaml).trim();
        String end = awaitEnd(id);
        assertTrue(end, end.contains(" finished "));
        java.util.Dictionary<String, Object> p = configAdmin.getConfiguration("cohort.itest.types", "?").getProperties();
        assertEquals("trace", p.get("name"));
        assertEquals(3L, p.get("count"));
        assertEquals(0.25, p.get("ratio"));
        assertEquals(true, p.get("on"));
        org.junit.Assert.assertArrayEquals(new String[] {"a", "b"}, (String[]) p.get("tags"));
        org.junit.Assert.assertArrayEquals(new Long[] {1L, 2L}, (Long[]) p.get("sizes"));
        org.junit.Assert.assertArrayEquals(new Double[] {0.5, 1.5}, (Double[]) p.get("ratios"));
        org.junit.Assert.assertArrayEquals(new Boolean[] {true, false}, (Boolean[]) p.get("flags"));
        org.junit.Assert.assertArrayEquals(new String[0], (String[]) p.get("none"));
    }
}
