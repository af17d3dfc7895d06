package dev.cohort.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.List;
import java.util.Map;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;

/**
 * A GRPO run whose rollouts come from a Java inference worker process through the bridge: the
 * run's plugins section creates the worker (a factory configuration that launches it) and
 * configures the engine (docs/workers.md's example), the trainer syncs weights to it every step;
 * mid-run both bridge PIDs change (taken live: the engine service stays the same) and the run
 * finishes.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class VllmBridgeIT extends CohortTestSupport {

    @Test
    public void aRunGeneratesThroughALaunchedJavaWorker() throws Exception {
        Path dir = Files.createTempDirectory("cohort-bridge");
        Path model = TestCheckpoints.gpt2(dir.resolve("model"), 1, 32, 2, 64, 5);
        Files.write(dir.resolve("prompts.jsonl"), List.of("{\"prompt\":\"Hello\"}", "{\"prompt\":\"Good morning\"}"));
        Path lib = Path.of(bundlePath("trainer")).getParent().resolve("lib");
        if (!Files.isDirectory(lib)) {
            lib = Path.of(System.getProperty("cohort.trainer.lib"));
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String command = java + " -cp " + bundlePath("vllm") + ":" + bundlePath("trainer") + ":" + lib + "/*"
                + " dev.cohort.vllm.internal.worker.JavaWorker --port 0 --model " + model + " --id it --threads 1";
        Path yaml = dir.resolve("bridge.yaml");
        Files.writeString(yaml, String.join("\n",
                "model: model",
                "dataset: prompts.jsonl",
                "reward_funcs: [length]",
                "rollout_engine: vllm",
                "max_steps: 12",
                "per_device_train_batch_size: 4",
                "num_generations: 2",
                "max_completion_length: 5",
                "run_name: bridge-run",
                "plugins:",
                "  dev.cohort.vllm.worker~it:",
                "    command: \"" + command + "\"",
                "    call_timeout_ms: 60000",
                "  dev.cohort.vllm.engine:",
                "    max_retries: 2",
                ""));
        String id = gogo("cohort:train " + yaml).trim();
        await(() -> gogoOrError("cohort:status " + id).matches("(?s).*step +[2-9]/.*|.*\\b(finished|failed)\\b.*"));
        ServiceReference<?> engine = engineService();
        configure("dev.cohort.vllm.engine", Map.of("max_retries", 3, "worker_wait_ms", 45_000L));
        Configuration worker = configAdmin.getFactoryConfiguration("dev.cohort.vllm.worker", "it", "?");
        Dictionary<String, Object> props = worker.getProperties();
        props.put("call_timeout_ms", 90_000L);
        props.put("liveness_timeout_ms", 4_000L);
        worker.update(props);
        boolean midRun = gogoOrError("cohort:status " + id).contains(" running ");
        String[] line = {""};
        await(() -> {
            line[0] = gogoOrError("cohort:status " + id);
            return !line[0].contains(" running ") && !line[0].contains(" preparing ");
        });
        assertTrue(line[0], line[0].contains(" finished "));
        assertTrue("the configurations changed while the run was running (10 steps were left)", midRun);
        assertEquals("the engine was not restarted by its configuration", engine.getProperty("service.id"),
                engineService().getProperty("service.id"));
        String workers = gogo("cohort:workers");
        assertTrue(workers, workers.matches("(?s).*\\bit\\b.*healthy.*"));
        assertTrue(Files.isRegularFile(dir.resolve("runs/bridge-run/weights-sync/v11/model.safetensors")));
    }

    private ServiceReference<?> engineService() throws Exception {
        ServiceReference<?>[] refs = context.getServiceReferences("dev.cohort.api.engine.RolloutEngine",
                "(cohort.engine.name=vllm)");
        assertTrue("a vllm engine is registered", refs != null && refs.length == 1);
        return refs[0];
    }
}
