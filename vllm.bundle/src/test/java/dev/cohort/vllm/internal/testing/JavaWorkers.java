package dev.cohort.vllm.internal.testing;

import dev.cohort.vllm.internal.bridge.WorkerHandle;
import dev.cohort.vllm.internal.rpc.WorkerState;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Launches Java workers as real processes for tests, on the test's own classpath. */
public final class JavaWorkers {

    private JavaWorkers() {
    }

    /** A worker process and its port; closing kills it. */
    public record Started(Process process, int port) implements AutoCloseable {
        public String address() {
            return "127.0.0.1:" + port;
        }

        @Override
        public void close() {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** java -cp (the test classpath) JavaWorker --port 0 --model DIR --id ID --threads 1 extra... */
    public static List<String> command(Path model, String id, String... extra) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.add("-cp");
        cmd.add(classpath());
        cmd.add("dev.cohort.vllm.internal.worker.JavaWorker");
        cmd.add("--port");
        cmd.add("0");
        cmd.add("--model");
        cmd.add(model.toString());
        cmd.add("--id");
        cmd.add(id);
        cmd.add("--threads");
        cmd.add("1");
        cmd.addAll(List.of(extra));
        return cmd;
    }

    /** The same command as one line (for a worker component's 'command'). */
    public static String commandLine(Path model, String id, String... extra) {
        StringBuilder sb = new StringBuilder();
        for (String a : command(model, id, extra)) {
            sb.append(sb.length() == 0 ? "" : " ").append('\'').append(a.replace("'", "")).append('\'');
        }
        return sb.toString();
    }

    public static String classpath() {
        String cp = System.getProperty("cohort.test.classpath");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    /**
     * Starts a worker and waits for 'listening on <port>'; its stderr (its log) is appended to
     * {@code worker-<id>.log} beside the model, where a failing test's worker can be read.
     */
    public static Started start(Path model, String id, String... extra) throws IOException {
        return start(Map.of(), model, id, extra);
    }

    /** {@link #start(Path, String, String...)} with extra environment variables. */
    public static Started start(Map<String, String> env, Path model, String id, String... extra) throws IOException {
        Path log = model.toAbsolutePath().getParent().resolve("worker-" + id + ".log");
        ProcessBuilder pb = new ProcessBuilder(command(model, id, extra))
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        Process p = pb.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        if (first == null || !first.startsWith("listening on ")) {
            p.destroyForcibly();
            throw new IOException("worker " + id + " did not start: first line " + first);
        }
        Thread drain = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // keep the pipe empty
                }
            } catch (IOException ignored) {
                // process gone
            }
        }, "test-worker-" + id + "-stdout");
        drain.setDaemon(true);
        drain.start();
        return new Started(p, Integer.parseInt(first.substring("listening on ".length()).trim()));
    }

    /** Sends a signal (STOP, CONT, KILL) to a process with kill(1). */
    public static void signal(long pid, String signal) throws IOException, InterruptedException {
        Process k = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        if (k.waitFor() != 0) {
            throw new IOException("kill -" + signal + " " + pid + " failed with status " + k.exitValue());
        }
    }

    /** Waits until the process with this pid is gone; returns whether it went within the time. */
    public static boolean gone(long pid, long timeoutMs) throws InterruptedException {
        long end = System.nanoTime() + timeoutMs * 1_000_000L;
        while (System.nanoTime() < end) {
            if (exited(pid)) {
                return true;
            }
            Thread.sleep(20);
        }
        return exited(pid);
    }

    /**
     * Whether the process has ended: no such process, or a zombie (it has exited and holds nothing
     * but its pid until whoever inherited it, once its launcher died, reaps it; ProcessHandle
     * counts a zombie as alive).
     */
    static boolean exited(long pid) {
        if (ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true)) {
            return true;
        }
        try {
            String stat = java.nio.file.Files.readString(Path.of("/proc/" + pid + "/stat"));
            // pid (comm) state ...: the state follows the last ')' (comm may hold spaces and parentheses)
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (java.io.IOException | RuntimeException e) {
            return !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
    }

    /** Waits until the handle reaches the state (or fails the test). */
    public static void await(WorkerHandle h, WorkerState state, long timeoutMs) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMs;
        while (h.state() != state) {
            if (System.currentTimeMillis() > end) {
                throw new AssertionError("worker " + h.id() + " is " + h.state() + ", not " + state + " after "
                        + timeoutMs + " ms; last error: " + h.lastError());
            }
            Thread.sleep(10);
        }
    }
}
