package dev.cohort.core.internal.delivery;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The published batches that some listener may still need: those queued for or not yet
 * completed by a connected listener, and those a departed listener missed during its grace
 * period ({@link Delivery} says how far back that is with {@link #releaseThrough}). Up to
 * {@code memoryLimit} are held in memory; older ones move to a {@link SpillStore} when there is
 * one, or are given up (and reported as missed to whoever comes back for them). Not
 * thread-safe: {@link Delivery} guards it.
 */
final class BatchHistory<E> {

    private final int memoryLimit;
    private final SpillStore<E> spill;
    private final DeliveryLog log;
    private final ArrayDeque<Sequenced<E>> memory = new ArrayDeque<>();
    /** Sequence numbers on disk, oldest first; all older than those in memory. */
    private final ArrayDeque<Long> spilled = new ArrayDeque<>();
    private boolean spillFailed;

    BatchHistory(int memoryLimit, SpillStore<E> spill, DeliveryLog log) {
        this.memoryLimit = memoryLimit;
        this.spill = spill;
        this.log = log;
    }

    void add(Sequenced<E> item) {
        memory.addLast(item);
        while (memory.size() > memoryLimit) {
            evict(memory.pollFirst());
        }
    }

    private void evict(Sequenced<E> oldest) {
        if (spill == null || spillFailed) {
            return;
        }
        try {
            spill.write(oldest);
            spilled.addLast(oldest.seq());
        } catch (IOException | RuntimeException e) {
            spillFailed = true;
            log.warn("Cannot spill batch " + oldest.seq() + " to " + spill.directory() + ": " + e
                    + "; from now on batches beyond the " + memoryLimit + " held in memory are not kept"
                    + " for listeners that are away", e);
        }
    }

    /** Forgets every batch up to and including {@code seq}: no listener needs them any more. */
    void releaseThrough(long seq) {
        while (!spilled.isEmpty() && spilled.peekFirst() <= seq) {
            long s = spilled.pollFirst();
            try {
                spill.delete(s);
            } catch (RuntimeException e) {
                log.warn(e.getMessage(), e);
            }
        }
        while (!memory.isEmpty() && memory.peekFirst().seq() <= seq) {
            memory.pollFirst();
        }
    }

    /**
     * The kept batches with a sequence number above {@code seq}, oldest first. Sequence numbers
     * that are missing (never kept, or unreadable on disk) are simply absent.
     */
    List<Sequenced<E>> after(long seq) {
        List<Sequenced<E>> out = new ArrayList<>();
        for (long s : spilled) {
            if (s > seq) {
                try {
                    out.add(spill.read(s));
                } catch (IOException | RuntimeException e) {
                    log.warn("Cannot read spilled batch " + s + " from " + spill.directory() + ": " + e, e);
                }
            }
        }
        for (Sequenced<E> item : memory) {
            if (item.seq() > seq) {
                out.add(item);
            }
        }
        return out;
    }

    int inMemory() {
        return memory.size();
    }

    int onDisk() {
        return spilled.size();
    }
}
