package dev.cohort.core.internal.delivery;

import java.util.ArrayList;
import java.util.List;

/**
 * What a listener name gets when it registers again after it left: the batches to replay (those
 * still kept, of runs that had not ended when it registered) and, for everything else it missed,
 * the count and the steps, so that the loss is reported rather than silent.
 */
final class Comeback<E> {

    final List<Sequenced<E>> replay = new ArrayList<>();
    private final List<String> missedParts = new ArrayList<>();
    private long missed;
    private boolean anyEnded;
    private boolean anyLive;

    private Comeback() {
    }

    /**
     * @param resumeAfter the last batch the name completed before it left
     * @param lastSeq     the last batch published so far
     * @param inGrace     whether it came back within the grace period (else nothing is replayed)
     */
    static <E> Comeback<E> plan(EventKind<E> kind, BatchHistory<E> history, RunLedger ledger,
            long resumeAfter, long lastSeq, boolean inGrace) {
        Comeback<E> c = new Comeback<>();
        long next = resumeAfter + 1;
        if (inGrace) {
            for (Sequenced<E> item : history.after(resumeAfter)) {
                if (ledger.isEnded(kind.runId(item.event()), item.seq())) {
                    continue;
                }
                c.miss(ledger, next, item.seq() - 1);
                c.replay.add(item);
                next = item.seq() + 1;
            }
        }
        c.miss(ledger, next, lastSeq);
        return c;
    }

    private void miss(RunLedger ledger, long fromSeq, long toSeq) {
        if (fromSeq > toSeq) {
            return;
        }
        missed += toSeq - fromSeq + 1;
        for (String part : ledger.parts(fromSeq, toSeq)) {
            missedParts.add(part);
            boolean ended = part.endsWith("(ended)");
            anyEnded |= ended;
            anyLive |= !ended;
        }
    }

    long missedCount() {
        return missed;
    }

    /** The missed steps per run, "steps 5-9 of run a (ended), steps 12-20 of run b". */
    String missedSteps() {
        return String.join(", ", missedParts);
    }

    /** Why the missed batches are not replayed, in words. */
    String reason(boolean inGrace, int memoryLimit, boolean spill) {
        List<String> why = new ArrayList<>();
        if (!inGrace) {
            why.add("it came back after the grace period");
        }
        if (anyEnded) {
            why.add("a run that ended before it registered is not replayed");
        }
        if (inGrace && anyLive) {
            why.add("they were no longer kept (" + memoryLimit + " batches in memory, spill "
                    + (spill ? "failed" : "off") + ")");
        }
        return String.join("; ", why);
    }
}
