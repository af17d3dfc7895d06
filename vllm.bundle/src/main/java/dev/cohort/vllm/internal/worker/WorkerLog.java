package dev.cohort.vllm.internal.worker;

import java.io.PrintStream;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;

/** The worker's log: lines on stderr (stdout carries only 'listening on <port>'). */
final class WorkerLog {

    private final String id;
    private final PrintStream err;

    WorkerLog(String id, PrintStream err) {
        this.id = id;
        this.err = err;
    }

    void info(String message) {
        line("INFO", message);
    }

    void warn(String message) {
        line("WARN", message);
    }

    private void line(String level, String message) {
        err.println(LocalTime.now().truncatedTo(ChronoUnit.MILLIS) + " " + level + " [worker " + id + "] " + message);
        err.flush();
    }
}
