package dev.cohort.itests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The exported runtime (target/run.jar) as a real process in a working directory: its output
 * (stdout and stderr) collected as it comes, lines sent to its standard input, signals sent to it.
 */
final class RuntimeProcess implements AutoCloseable {

    private final Process process;
    private final StringBuffer output = new StringBuffer();

    private RuntimeProcess(Process process) {
        this.process = process;
        Thread pump = new Thread(this::pump, "runtime-output-" + process.pid());
        pump.setDaemon(true);
        pump.start();
    }

    /** {@code java <jvmArgs> -jar run.jar} in {@code work}; standard input stays open. */
    static RuntimeProcess start(Path work, String... jvmArgs) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(jvmArgs));
        cmd.add("-jar");
        cmd.add(LauncherIT.runJar().toAbsolutePath().toString());
        return new RuntimeProcess(new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true).start());
    }

    /** Headless training of {@code config} ({@code ./cohort train}), resuming from {@code resume} (or not). */
    static RuntimeProcess train(Path work, Path config, Path resume) throws IOException {
        RuntimeProcess p = start(work, "-Dgosh.args=--nointeractive", "-Dcohort.train=" + config.toAbsolutePath(),
                "-Dcohort.resume=" + (resume == null ? "" : resume.toAbsolutePath()), "-Dcohort.exit=true");
        p.closeInput();
        return p;
    }

    private void pump() {
        byte[] buf = new byte[4096];
        try (InputStream in = process.getInputStream()) {
            for (int n; (n = in.read(buf)) > 0;) {
                output.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }

    String output() {
        return output.toString();
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    void send(String line) throws IOException {
        OutputStream in = process.getOutputStream();
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    void closeInput() throws IOException {
        process.getOutputStream().close();
    }

    void awaitOutput(Predicate<String> condition, String what, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.test(output())) {
            assertTrue(System.nanoTime() < deadline, "no " + what + " within " + seconds + " s; output:\n" + output);
            assertTrue(process.isAlive(), "the runtime exited before " + what + "; output:\n" + output);
            Thread.sleep(20);
        }
    }

    /**
     * Sends a command until its answer satisfies the condition (the runtime works
     * asynchronously); returns that answer.
     */
    String poll(String command, Predicate<String> answer, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            int from = output.length();
            send(command);
            Thread.sleep(300);
            String reply = output.substring(from);
            if (answer.test(reply)) {
                return reply;
            }
            assertTrue(System.nanoTime() < deadline, "no " + what + " within 60 s; output:\n" + output);
        }
    }

    /** Sends a signal (TERM, INT, ...) with kill(1). */
    void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + name + " failed");
    }

    /** The exit code; fails when the process does not end within {@code seconds}. */
    int waitFor(int seconds) throws InterruptedException {
        assertTrue(process.waitFor(seconds, TimeUnit.SECONDS), "the runtime did not end within " + seconds
                + " s; output:\n" + output);
        Thread.sleep(100); // the last output
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
