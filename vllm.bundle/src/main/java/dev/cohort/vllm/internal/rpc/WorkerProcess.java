package dev.cohort.vllm.internal.rpc;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A worker process launched from a command line: waits for {@code listening on <port>} on its
 * stdout, and copies the rest of its stdout and its stderr into the log (named threads). The
 * process gets {@value #PARENT_ENV} (this JVM's pid) and a pipe on stdin that only this JVM holds,
 * so a worker that watches either exits when this JVM ends, {@code kill -9} included; and its
 * token in {@value #TOKEN_ENV}, never on its command line.
 */
public final class WorkerProcess implements AutoCloseable {

    /** The environment variable with the launching JVM's pid (workers exit when it is gone). */
    public static final String PARENT_ENV = "COHORT_PARENT_PID";
    /** The environment variable with the token the worker requires. */
    public static final String TOKEN_ENV = "COHORT_WORKER_TOKEN";

    /** Lines of stderr before the port that a launch failure quotes. */
    private static final int STDERR_KEPT = 30;
    private static final Pattern LISTENING = Pattern.compile("listening on (\\d+)\\s*");

    private final String workerId;
    private final Process process;
    private final int port;
    private final long startedAt = System.nanoTime();

    private WorkerProcess(String workerId, Process process, int port) {
        this.workerId = workerId;
        this.process = process;
        this.port = port;
    }

    /**
     * Launches {@code command} and waits up to {@code startTimeoutMs} for its port.
     *
     * @throws IOException naming the worker and the command when it cannot be launched, exits first or
     *         prints no port in time
     */
    public static WorkerProcess launch(String workerId, String command, String token, long startTimeoutMs,
            BridgeLog log) throws IOException {
        List<String> argv = split(command);
        if (argv.isEmpty()) {
            throw new IOException("worker " + workerId + ": command is empty");
        }
        return launch(workerId, argv, Map.of(), null, token, startTimeoutMs, log);
    }

    /**
     * Launches {@code argv} with extra environment variables {@code env}, in {@code cwd} (null: this
     * JVM's), and waits up to {@code startTimeoutMs} for its port.
     *
     * @throws IOException naming the worker and the command when it cannot be launched, exits first or
     *         prints no port in time; the last lines of its stderr are in the message
     */
    public static WorkerProcess launch(String workerId, List<String> argv, Map<String, String> env, Path cwd,
            String token, long startTimeoutMs, BridgeLog log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.PIPE);
        if (cwd != null) {
            pb.directory(cwd.toFile());
        }
        pb.environment().putAll(env);
        pb.environment().put(PARENT_ENV, Long.toString(ProcessHandle.current().pid()));
        if (token != null) {
            pb.environment().put(TOKEN_ENV, token);
        } else {
            pb.environment().remove(TOKEN_ENV);
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IOException("worker " + workerId + ": cannot run '" + String.join(" ", argv) + "'"
                    + (cwd == null ? "" : " in " + cwd) + ": " + e.getMessage(), e);
        }
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Deque<String> lastErr = new ArrayDeque<>();
        pump(p.getInputStream(), "cohort-worker-" + workerId + "-stdout", line -> {
            Matcher m = LISTENING.matcher(line);
            if (!port.isDone() && m.matches()) {
                port.complete(Integer.parseInt(m.group(1)));
            } else {
                log.info("worker " + workerId + " stdout: " + line);
            }
        }, () -> port.completeExceptionally(new IOException("stdout ended before 'listening on <port>'")));
        pump(p.getErrorStream(), "cohort-worker-" + workerId + "-stderr", line -> {
            log.info("worker " + workerId + ": " + line);
            synchronized (lastErr) {
                if (!port.isDone()) {
                    lastErr.addLast(line);
                    if (lastErr.size() > STDERR_KEPT) {
                        lastErr.removeFirst();
                    }
                }
            }
        }, () -> { });
        try {
            return new WorkerProcess(workerId, p, port.get(startTimeoutMs, TimeUnit.MILLISECONDS));
        } catch (TimeoutException | ExecutionException | InterruptedException e) {
            stop(p);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            String why = e instanceof TimeoutException ? "printed no 'listening on <port>' within " + startTimeoutMs + " ms"
                    : e.getCause() != null ? e.getCause().getMessage() : e.toString();
            String status = p.isAlive() ? "" : " (exit status " + p.exitValue() + ")";
            String err;
            synchronized (lastErr) {
                err = lastErr.isEmpty() ? "" : "; its stderr ended with:\n" + String.join("\n", lastErr);
            }
            throw new IOException("worker " + workerId + ": command '" + String.join(" ", argv) + "' " + why + status
                    + err, e);
        }
    }

    private interface Lines {
        void line(String line);
    }

    private static void pump(InputStream in, String name, Lines lines, Runnable atEnd) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    lines.line(line);
                }
            } catch (IOException ignored) {
                // the process is gone
            } finally {
                atEnd.run();
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }

    /** Splits a command line at blanks; single and double quotes group, backslash escapes. */
    public static List<String> split(String command) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else if (c == '\\' && quote == '"' && i + 1 < command.length()) {
                    cur.append(command.charAt(++i));
                } else {
                    cur.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (c == '\\' && i + 1 < command.length()) {
                cur.append(command.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    out.add(cur.toString());
                    cur.setLength(0);
                    inWord = false;
                }
            } else {
                cur.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            out.add(cur.toString());
        }
        return out;
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Milliseconds since launch. */
    public long ageMs() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedAt);
    }

    /** The exit status, or null while it runs. */
    public Integer exitStatus() {
        return process.isAlive() ? null : process.exitValue();
    }

    /** For tests: the process itself (to kill it). */
    public Process process() {
        return process;
    }

    private static void stop(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(3, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the process: SIGTERM, then SIGKILL after 3 s. */
    @Override
    public void close() {
        stop(process);
    }

    @Override
    public String toString() {
        return "worker " + workerId + " process " + process.pid();
    }
}
