package dev.cohort.trainer.internal.run;

import dev.cohort.api.training.TrainingMetrics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/** One run the manager knows: its state, progress and outcome, for the shell. */
public final class TrainingRun {

    public enum State { PREPARING, RUNNING, STOPPING, FINISHED, STOPPED, FAILED }

    private final String id;
    private final Path config;
    private final long startNanos = System.nanoTime();
    private volatile State state = State.PREPARING;
    private volatile TrainingMetrics last;
    private volatile int maxSteps;
    private volatile String outcome = "";
    private volatile boolean stopRequested;
    private volatile Thread thread;
    private volatile String backend = "-";
    private volatile String backendInfo = "";
    private volatile String modelInfo = "";
    private volatile String namingNote;

    TrainingRun(String id, Path config) {
        this.id = id;
        this.config = config;
    }

    public String id() {
        return id;
    }

    public Path config() {
        return config;
    }

    public State state() {
        return state;
    }

    void state(State s) {
        this.state = s;
    }

    void progress(TrainingMetrics m) {
        this.last = m;
    }

    void maxSteps(int n) {
        this.maxSteps = n;
    }

    void backend(String name, String description) {
        this.backend = name;
        this.backendInfo = description;
    }

    /** The backend's name: java or cuda. */
    public String backend() {
        return backend;
    }

    /**
     * What computes the run, and why: "cuda on NVIDIA H200 (...), matrix products: ..." or
     * "java, 16 threads, matrix products: ... (CUDA not used: ...)".
     */
    public String backendInfo() {
        return backendInfo;
    }

    void modelInfo(String text) {
        this.modelInfo = text;
    }

    /** Which model the run loaded: "model: the checkpoint directory /x/gpt2" or a named size. */
    public String modelInfo() {
        return modelInfo;
    }

    void namingNote(String text) {
        this.namingNote = text;
    }

    /** Why the run's id is not its run_name (a run of that name exists), or null. */
    public String namingNote() {
        return namingNote;
    }

    void outcome(String text) {
        this.outcome = text;
    }

    public String outcome() {
        return outcome;
    }

    void thread(Thread t) {
        this.thread = t;
    }

    Thread thread() {
        return thread;
    }

    void requestStop() {
        stopRequested = true;
        if (state == State.RUNNING || state == State.PREPARING) {
            state = State.STOPPING;
        }
    }

    boolean stopRequested() {
        return stopRequested;
    }

    public boolean active() {
        return state == State.PREPARING || state == State.RUNNING || state == State.STOPPING;
    }

    /**
     * step / max, reward mean, KL, tokens/s, ETA, backend, with async_prefetch the weights
     * version of the last batch, the batches in flight and the staleness, and the outcome once it
     * ended.
     */
    public String statusLine() {
        TrainingMetrics m = last;
        long step = m == null ? 0 : m.step();
        String eta = "-";
        if (m != null && step > 0 && active()) {
            double perStep = (System.nanoTime() - startNanos) / 1e9 / step;
            eta = format(Duration.ofSeconds((long) (perStep * (maxSteps - step))));
        }
        return String.format(Locale.ROOT,
                "%-28s %-9s step %4d/%-4d reward %7s  kl %8s  tokens/s %7s  ETA %-6s  backend %s%s", id,
                state.name().toLowerCase(Locale.ROOT), step, maxSteps, num(m, "reward", "%.3f"), num(m, "kl", "%.4f"),
                num(m, "tokens_per_second", "%.0f"), eta, backend + async(m), outcome.isEmpty() ? "" : "  " + outcome);
    }

    /** The asynchronous mode's part of the status line, empty for a synchronous run. */
    static String async(TrainingMetrics m) {
        if (m == null || !m.values().containsKey("async/weights_version")) {
            return "";
        }
        return String.format(Locale.ROOT, "  weights v%.0f  in flight %.0f  staleness %.0f",
                m.get("async/weights_version"), m.get("async/in_flight"), m.get("async/staleness"));
    }

    private static String num(TrainingMetrics m, String key, String fmt) {
        if (m == null || Double.isNaN(m.get(key))) {
            return "-";
        }
        return String.format(Locale.ROOT, fmt, m.get(key));
    }

    static String format(Duration d) {
        long s = d.getSeconds();
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
