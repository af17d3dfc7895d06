package dev.cohort.core.internal.delivery;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which run and step each sequence number carried, kept as contiguous segments (a run whose
 * steps rise by one per batch is one segment), and which runs have ended. It outlives the
 * batches themselves, so that a loss can be reported with its exact steps after the batches
 * are gone. Not thread-safe: {@link Delivery} guards it.
 */
final class RunLedger {

    static final int MAX_SEGMENTS = 4096;
    static final int MAX_ENDED = 1024;

    /** Batches {@code firstSeq..lastSeq} of {@code runId}, with steps {@code firstStep + (seq - firstSeq)}. */
    private static final class Segment {
        final String runId;
        final long firstSeq;
        final long firstStep;
        long lastSeq;

        Segment(String runId, long firstSeq, long firstStep) {
            this.runId = runId;
            this.firstSeq = firstSeq;
            this.firstStep = firstStep;
            this.lastSeq = firstSeq;
        }

        long step(long seq) {
            return firstStep + (seq - firstSeq);
        }
    }

    private final ArrayDeque<Segment> segments = new ArrayDeque<>();
    /** Run id to the last sequence number it had when it ended. */
    private final Map<String, Long> ended = new LinkedHashMap<>();

    void record(long seq, String runId, long step) {
        Segment last = segments.peekLast();
        if (last != null && last.runId.equals(runId) && last.lastSeq == seq - 1 && last.step(seq) == step) {
            last.lastSeq = seq;
            return;
        }
        segments.addLast(new Segment(runId, seq, step));
        if (segments.size() > MAX_SEGMENTS) {
            segments.removeFirst();
        }
    }

    /** Marks the run as ended at {@code lastSeq}: its batches up to there are no longer replayed. */
    void end(String runId, long lastSeq) {
        ended.remove(runId);
        ended.put(runId, lastSeq);
        if (ended.size() > MAX_ENDED) {
            Iterator<String> oldest = ended.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
    }

    /** True when the batch {@code seq} of {@code runId} belongs to a run that has ended. */
    boolean isEnded(String runId, long seq) {
        Long endSeq = ended.get(runId);
        return endSeq != null && seq <= endSeq;
    }

    /**
     * The steps of sequence numbers {@code fromSeq..toSeq} (inclusive), per run, in publication
     * order: "steps 5-9 of run a (ended), step 0 of run b". Numbers older than the ledger are given as a
     * count of batches.
     */
    String describe(long fromSeq, long toSeq) {
        return fromSeq > toSeq ? "no steps" : String.join(", ", parts(fromSeq, toSeq));
    }

    /** {@link #describe} as one part per run segment; a part of an ended run ends with "(ended)". */
    List<String> parts(long fromSeq, long toSeq) {
        List<String> parts = new ArrayList<>();
        long covered = fromSeq;
        for (Segment s : segments) {
            long lo = Math.max(fromSeq, s.firstSeq);
            long hi = Math.min(toSeq, s.lastSeq);
            if (lo > hi) {
                continue;
            }
            if (lo > covered && parts.isEmpty()) {
                parts.add((lo - covered) + " earlier batch(es)");
            }
            parts.add(steps(s.step(lo), s.step(hi)) + " of run " + s.runId
                    + (isEnded(s.runId, hi) ? " (ended)" : ""));
            covered = hi + 1;
        }
        if (parts.isEmpty()) {
            parts.add((toSeq - fromSeq + 1) + " batch(es) no longer on record");
        }
        return parts;
    }

    static String steps(long first, long last) {
        return first == last ? "step " + first : "steps " + first + "-" + last;
    }
}
