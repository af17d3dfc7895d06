package dev.cohort.core.internal.delivery;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Batches one listener did not receive, counted, with their step ranges per run (consecutive
 * steps of a run merge into one range). Only the latest {@value #MAX_RANGES} ranges are kept
 * for display; the count is exact. Thread-safe.
 */
final class Losses {

    static final int MAX_RANGES = 8;

    /** Steps {@code first..last} of a run, or (when {@code text} is set) ranges already described. */
    private static final class Range {
        final String runId;
        final long first;
        long last;
        final String text;

        Range(String runId, long first, long last, String text) {
            this.runId = runId;
            this.first = first;
            this.last = last;
            this.text = text;
        }

        @Override
        public String toString() {
            return text != null ? text : RunLedger.steps(first, last) + " of run " + runId;
        }
    }

    private final ArrayDeque<Range> ranges = new ArrayDeque<>();
    private long count;
    private long forgotten;

    /** One batch lost: step {@code step} of run {@code runId}. */
    synchronized void add(String runId, long step) {
        count++;
        Range last = ranges.peekLast();
        if (last != null && last.text == null && last.runId.equals(runId) && last.last + 1 == step) {
            last.last = step;
            return;
        }
        keep(new Range(runId, step, step, null));
    }

    /** Batches lost whose steps are given as text (from {@link RunLedger#describe}). */
    synchronized void add(long batches, String description) {
        count += batches;
        keep(new Range("", 0, 0, description));
    }

    private void keep(Range r) {
        ranges.addLast(r);
        if (ranges.size() > MAX_RANGES) {
            ranges.removeFirst();
            forgotten++;
        }
    }

    synchronized long count() {
        return count;
    }

    /** "steps 3-7 of run r, step 9 of run r", or "" when nothing was lost. */
    synchronized String describe() {
        List<String> parts = new ArrayList<>();
        if (forgotten > 0) {
            parts.add(forgotten + " earlier range(s)");
        }
        ranges.forEach(r -> parts.add(r.toString()));
        return String.join(", ", parts);
    }
}
