package dev.cohort.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Smoke test of the exported runtime (target/run.jar) as a user starts it: it reaches the Gogo
 * prompt, picks up a plugin dropped into deploy/, delivers replayed batches to it and to
 * trace-jsonl, and stops cleanly when standard input ends; the first command typed works (the
 * prompt comes once Cohort's commands are registered).
 */
class LauncherIT {

    private Path work;
    private RuntimeProcess runtime;

    @BeforeEach
    void start() throws IOException {
        work = Files.createTempDirectory("cohort-launcher");
        Files.createDirectories(work.resolve("deploy"));
        runtime = RuntimeProcess.start(work);
    }

    @AfterEach
    void stop() {
        if (runtime != null) {
            runtime.close();
        }
    }

    static Path runJar() {
        Path jar = Path.of(System.getProperty("cohort.runjar", "../target/run.jar"));
        assertTrue(Files.isRegularFile(jar), jar + " is missing: the top-level module exports it");
        return jar;
    }

    @Test
    void runtimeStartsTakesDeployedPluginsAndStopsCleanly() throws Exception {
        runtime.awaitOutput(o -> o.contains("g! "), "Gogo prompt", 60);
        // The prompt can come before the last bundles have started: ask until all are active (the
        // CUDA fragment is resolved, attached to the trainer: fragments never start).
        runtime.poll("lb", o -> o.contains("Cohort core") && o.contains("Cohort plugin: trace-jsonl")
                && o.contains("Declarative Services") && !o.contains("|Installed")
                && o.matches("(?s).*\\|Resolved +\\| +\\d+\\|Cohort trainer CUDA kernels \\(Linux x86-64\\).*")
                && !o.replaceAll("(?m)^.*\\|Resolved .*CUDA kernels.*$", "").contains("|Resolved"),
                "every bundle active");

        TestBundles.write(TestBundles.listener("cohort.itest.deployed", "1.0.0", "deployed-rec",
                "record", Map.of()), work.resolve("deploy/deployed-rec.jar"));
        TestBundles.write(TestBundles.listener("cohort.itest.thrower", "1.0.0", "thrower",
                "throw", Map.of()), work.resolve("deploy/thrower.jar"));
        runtime.poll("cohort:listeners", o -> o.contains("deployed-rec") && o.contains("thrower"),
                "deployed plugins in cohort:listeners");

        String trace = System.getProperty("cohort.sample.trace", "../docs/examples/sample-trace.jsonl");
        runtime.send("cohort:replay -i 0 " + Path.of(trace).toAbsolutePath());
        runtime.awaitOutput(o -> o.contains("replaying 3 batch(es)"), "replay confirmation", 60);
        runtime.poll("cohort:listeners", o -> o.matches("(?s).*deployed-rec\\s+\\d+\\s+1\\.0\\.0\\s+active\\s+3\\s.*")
                && o.matches("(?s).*trace-jsonl\\s+\\d+\\s+\\S+\\s+active\\s+3\\s.*"), "3 deliveries each");
        List<String> lines = Files.readAllLines(work.resolve("traces/sample-arith.jsonl"));
        assertEquals(24, lines.size());
        // Failures reach the console through the OSGi Log Service, with listener, bundle and step.
        runtime.awaitOutput(o -> o.matches("(?s).*WARN  \\[dev\\.cohort\\.core\\] Rollout listener 'thrower' \\(bundle \\d+\\)"
                + " failed on step 2 of run sample-arith: java\\.lang\\.IllegalStateException: test listener"
                + " thrower fails on step 2.*"), "the thrower's warning on the console", 60);

        Files.delete(work.resolve("deploy/deployed-rec.jar"));
        Files.delete(work.resolve("deploy/thrower.jar"));
        runtime.poll("cohort:listeners", o -> !o.contains("deployed-rec") && !o.contains("thrower")
                && o.contains("trace-jsonl"), "deployed plugins removed with their files");

        runtime.closeInput();
        // Gogo stops the framework when standard input ends; the bnd launcher exits with 117.
        assertEquals(117, runtime.waitFor(60), runtime.output());
        assertFalse(runtime.output().contains("ERROR ["), runtime.output());
    }

    @Test
    void theFirstCommandTypedWorks() throws Exception {
        // typed before the prompt appears: the console starts once Cohort's commands are registered
        runtime.send("cohort:runs");
        runtime.send("cohort:listeners");
        runtime.closeInput();
        assertEquals(117, runtime.waitFor(60), runtime.output());
        assertTrue(runtime.output().contains("g! no runs"), runtime.output());
        assertTrue(runtime.output().contains("trace-jsonl"), runtime.output());
        assertFalse(runtime.output().contains("CommandNotFoundException"), runtime.output());
        assertFalse(runtime.output().contains("not found"), runtime.output());
    }
}
