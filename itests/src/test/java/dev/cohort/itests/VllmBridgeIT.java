package dev.cohort.itests;

import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * A GRPO run whose rollouts come from a Java inference worker process through the bridge: the
 * run's plugins section creates the worker (a factory configuration that launches it), the
 * trainer syncs weights to it every step and the run finishes.
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
                "max_steps: 3",
                "per_device_train_batch_size: 4",
                "num_generations: 2",
                "max_completion_length: 5",
                "run_name: bridge-run",
                "plugins:",
                "  dev.cohort.vllm.worker~it:",
                "    command: \"" + command + "\"",
                "    call_timeout_ms: 60000",
                ""));
        String id = gogo("cohort:train " + yaml).trim();
        String[] line = {""};
        await(() -> {
            line[0] = gogoOrError("cohort:status " + id);
            return !line[0].contains(" running ") && !line[0].contains(" preparing ");
        });
        assertTrue(line[0], line[0].contains(" finished "));
        String workers = gogo("cohort:workers");
        assertTrue(workers, workers.matches("(?s).*\\bit\\b.*healthy.*"));
        assertTrue(Files.isRegularFile(dir.resolve("runs/bridge-run/weights-sync/v2/model.safetensors")));
    }
}
