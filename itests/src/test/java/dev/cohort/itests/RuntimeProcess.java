package dev.cohort.itests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The exported runtime (target/run.jar) as a user starts it, in a folder of its own, driven
 * through the Gogo shell on its standard input: commands are typed, the console is read back.
 */
final class RuntimeProcess implements AutoCloseable {

    private static final long WAIT_SECONDS = 60;

    private final Process process;
    private final StringBuffer output = new StringBuffer();

    private RuntimeProcess(Process process) {
        this.process = process;
        Thread pump = new Thread(() -> pump(process.getInputStream()), "runtime-output");
        pump.setDaemon(true);
        pump.start();
    }

    /** Starts the runtime with {@code work} as its working directory (deploy/ is created there). */
    static RuntimeProcess start(Path work) throws IOException {
        Files.createDirectories(work.resolve("deploy"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-jar", runJar().toString())
                .directory(work.toFile()).redirectErrorStream(true).start();
        return new RuntimeProcess(p);
    }

    static Path runJar() {
        Path jar = Path.of(System.getProperty("cohort.runjar", "../target/run.jar"));
        assertTrue(Files.isRegularFile(jar), jar + " is missing: the top-level module exports it");
        return jar.toAbsolutePath();
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

    /** Everything the runtime printed so far. */
    String output() {
        return output.toString();
    }

    void send(String line) throws IOException {
        OutputStream in = process.getOutputStream();
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    /** Waits until the whole output satisfies the condition; fails naming {@code what}. */
    void awaitOutput(Predicate<String> condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!condition.test(output.toString())) {
            assertTrue(System.nanoTime() < deadline, "no " + what + " within " + WAIT_SECONDS + " s; output:\n" + output);
            assertTrue(process.isAlive(), "runtime exited; output:\n" + output);
            Thread.sleep(20);
        }
    }

    /**
     * Sends a command until its answer satisfies the condition (the runtime works
     * asynchronously) and returns that answer.
     */
    String poll(String command, Predicate<String> answer, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (true) {
            int from = output.length();
            send(command);
            Thread.sleep(300);
            String reply = output.substring(from);
            if (answer.test(reply)) {
                return reply;
            }
            assertTrue(System.nanoTime() < deadline, "no " + what + " within " + WAIT_SECONDS + " s; output:\n" + output);
        }
    }

    /** Ends standard input (Gogo then stops the framework) and waits for the exit code. */
    int stop() throws Exception {
        process.getOutputStream().close();
        assertTrue(process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS), "runtime did not stop; output:\n" + output);
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
