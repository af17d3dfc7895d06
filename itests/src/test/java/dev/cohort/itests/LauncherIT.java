package dev.cohort.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
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
    private Process process;
    private final StringBuffer output = new StringBuffer();

    @BeforeEach
    void start() throws IOException {
        work = Files.createTempDirectory("cohort-launcher");
        Files.createDirectories(work.resolve("deploy"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        process = new ProcessBuilder(java.toString(), "-jar", runJar().toString())
                .directory(work.toFile()).redirectErrorStream(true).start();
        Thread pump = new Thread(() -> pump(process.getInputStream()), "launcher-output");
        pump.setDaemon(true);
        pump.start();
    }

    @AfterEach
    void stop() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
    }

    static Path runJar() {
        Path jar = Path.of(System.getProperty("cohort.runjar", "../target/run.jar"));
        assertTrue(Files.isRegularFile(jar), jar + " is missing: the top-level module exports it");
        return jar;
    }

    private void pump(InputStream in) {
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) > 0;) {
                output.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            }
        } catch (IOException ignored) {
            // process ended
        }
    }

    private void send(String line) throws IOException {
        OutputStream in = process.getOutputStream();
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    private void awaitOutput(Predicate<String> condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.test(output.toString())) {
            assertTrue(System.nanoTime() < deadline, "no " + what + " within 60 s; output:\n" + output);
            assertTrue(process.isAlive(), "runtime exited; output:\n" + output);
            Thread.sleep(20);
        }
    }

    /** Sends a command until its answer satisfies the condition (the runtime works asynchronously). */
    private void poll(String command, Predicate<String> answer, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            int from = output.length();
            send(command);
            Thread.sleep(300);
            if (answer.test(output.substring(from))) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "no " + what + " within 60 s; output:\n" + output);
        }
    }

    @Test
    void runtimeStartsTakesDeployedPluginsAndStopsCleanly() throws Exception {
        awaitOutput(o -> o.contains("g! "), "Gogo prompt");
        // The prompt can come before the last bundles have started: ask until all are active (the
        // CUDA fragment is resolved, attached to the trainer: fragments never start).
        poll("lb", o -> o.contains("Cohort core") && o.contains("Cohort plugin: trace-jsonl")
                && o.contains("Declarative Services") && !o.contains("|Installed")
                && o.matches("(?s).*\\|Resolved +\\| +\\d+\\|Cohort trainer CUDA kernels \\(Linux x86-64\\).*")
                && !o.replaceAll("(?m)^.*\\|Resolved .*CUDA kernels.*$", "").contains("|Resolved"),
                "every bundle active");

        TestBundles.write(TestBundles.listener("cohort.itest.deployed", "1.0.0", "deployed-rec",
                "record", Map.of()), work.resolve("deploy/deployed-rec.jar"));
        TestBundles.write(TestBundles.listener("cohort.itest.thrower", "1.0.0", "thrower",
                "throw", Map.of()), work.resolve("deploy/thrower.jar"));
        poll("cohort:listeners", o -> o.contains("deployed-rec") && o.contains("thrower"),
                "deployed plugins in cohort:listeners");

        String trace = System.getProperty("cohort.sample.trace", "../docs/examples/sample-trace.jsonl");
        send("cohort:replay -i 0 " + Path.of(trace).toAbsolutePath());
        awaitOutput(o -> o.contains("replaying 3 batch(es)"), "replay confirmation");
        poll("cohort:listeners", o -> o.matches("(?s).*deployed-rec\\s+\\d+\\s+1\\.0\\.0\\s+active\\s+3\\s.*")
                && o.matches("(?s).*trace-jsonl\\s+\\d+\\s+\\S+\\s+active\\s+3\\s.*"), "3 deliveries each");
        List<String> lines = Files.readAllLines(work.resolve("traces/sample-arith.jsonl"));
        assertEquals(24, lines.size());
        // Failures reach the console through the OSGi Log Service, with listener, bundle and step.
        awaitOutput(o -> o.matches("(?s).*WARN  \\[dev\\.cohort\\.core\\] Rollout listener 'thrower' \\(bundle \\d+\\)"
                + " failed on step 2 of run sample-arith: java\\.lang\\.IllegalStateException: test listener"
                + " thrower fails on step 2.*"), "the thrower's warning on the console");

        Files.delete(work.resolve("deploy/deployed-rec.jar"));
        Files.delete(work.resolve("deploy/thrower.jar"));
        poll("cohort:listeners", o -> !o.contains("deployed-rec") && !o.contains("thrower")
                && o.contains("trace-jsonl"), "deployed plugins removed with their files");

        process.getOutputStream().close();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "runtime did not stop; output:\n" + output);
        // Gogo stops the framework when standard input ends; the bnd launcher exits with 117.
        assertEquals(117, process.exitValue(), output.toString());
        assertFalse(output.toString().contains("ERROR ["), output.toString());
    }

    @Test
    void theFirstCommandTypedWorks() throws Exception {
        // typed before the prompt appears: the console starts once Cohort's commands are registered
        send("cohort:runs");
        send("cohort:listeners");
        process.getOutputStream().close();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "runtime did not stop; output:\n" + output);
        assertEquals(117, process.exitValue(), output.toString());
        assertTrue(output.toString().contains("g! no runs"), output.toString());
        assertTrue(output.toString().contains("trace-jsonl"), output.toString());
        assertFalse(output.toString().contains("CommandNotFoundException"), output.toString());
        assertFalse(output.toString().contains("not found"), output.toString());
    }
}
