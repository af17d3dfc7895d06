package dev.cohort.trainer.internal.run;

import dev.cohort.api.training.TrainingMetrics;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The progress of {@code ./cohort train} on the console. On a terminal, a bar redrawn in place
 * every step, with the step, ETA, reward and tokens/s, and above it the full line of each logging
 * step; elsewhere (a pipe, a file, CI), only the full line of each logging step, so that logs stay
 * one line per {@code logging_steps}. The ETA is the mean time of the steps taken in this process
 * times the steps left.
 */
final class ConsoleProgress {

    /** How the console shows progress: a bar on a terminal, lines otherwise. */
    enum Mode {
        BAR, LINES;

        /**
         * {@code bar} or {@code lines} as {@code ./cohort} says (system property
         * {@code cohort.progress}: whether its standard output is a terminal); without it, a bar
         * when the JVM has a console.
         */
        static Mode of(String property, boolean console) {
            if ("bar".equals(property)) {
                return BAR;
            }
            if ("lines".equals(property)) {
                return LINES;
            }
            return console ? BAR : LINES;
        }
    }

    private static final int WIDTH = 24;

    private final PrintStream out;
    private final Mode mode;
    private final LongSupplier nanos;
    private long firstNanos = -1;
    private long firstStep;
    private boolean barShown;

    ConsoleProgress(PrintStream out, Mode mode, LongSupplier nanos) {
        this.out = out;
        this.mode = mode;
        this.nanos = nanos;
    }

    /** One step: {@code logged} when it is a logging step. */
    synchronized void step(TrainingMetrics m, boolean logged) {
        long now = nanos.getAsLong();
        if (firstNanos < 0) {
            // the clock starts at the end of the first step seen (a resumed run starts late)
            firstNanos = now;
            firstStep = m.step();
        }
        String line = logged ? ProgressLine.of("", m).trim() : null;
        if (mode == Mode.LINES) {
            if (line != null) {
                out.println(line);
            }
        } else {
            out.print("\r\033[2K");
            if (line != null) {
                out.println(line);
            }
            out.print(bar(m, now));
            barShown = true;
        }
        out.flush();
    }

    /** Ends the bar's line, so that what is printed next starts on a line of its own. */
    synchronized void end() {
        if (barShown) {
            out.println();
            out.flush();
            barShown = false;
        }
    }

    String bar(TrainingMetrics m, long now) {
        double done = m.maxSteps() == 0 ? 1 : Math.min(1, (double) m.step() / m.maxSteps());
        int filled = (int) Math.round(done * WIDTH);
        String eta = "?";
        long measured = m.step() - firstStep;
        if (measured > 0) {
            double perStep = (now - firstNanos) / 1e9 / measured;
            eta = TrainingRun.format(Duration.ofSeconds(Math.round(perStep * (m.maxSteps() - m.step()))));
        } else if (m.step() >= m.maxSteps()) {
            eta = "0s";
        }
        return String.format(Locale.ROOT, "[%s%s] %d/%d %3.0f%% ETA %s | reward %s | %s tok/s",
                "#".repeat(filled), ".".repeat(WIDTH - filled), m.step(), m.maxSteps(), 100 * done, eta,
                num(m.get("reward"), "%.3f"), num(m.get("tokens_per_second"), "%.0f"));
    }

    private static String num(double v, String format) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, format, v);
    }
}
