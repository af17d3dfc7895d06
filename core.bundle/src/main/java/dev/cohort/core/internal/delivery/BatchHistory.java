package dev.cohort.core.internal.delivery;

import java.util.ArrayList;
import java.util.List;

/** The last published batches, kept to replay them to listeners that come back after an update. */
final class BatchHistory<E> {

    private final Sequenced<E>[] ring;
    private int next;
    private int count;

    BatchHistory(int size) {
        @SuppressWarnings("unchecked")
        Sequenced<E>[] r = new Sequenced[Math.max(0, size)];
        ring = r;
    }

    void add(Sequenced<E> item) {
        if (ring.length == 0) {
            return;
        }
        ring[next] = item;
        next = (next + 1) % ring.length;
        count = Math.min(count + 1, ring.length);
    }

    /** Kept batches with a sequence number above {@code seq}, oldest first. */
    List<Sequenced<E>> after(long seq) {
        List<Sequenced<E>> out = new ArrayList<>();
        int start = (next - count + ring.length) % Math.max(1, ring.length);
        for (int i = 0; i < count; i++) {
            Sequenced<E> item = ring[(start + i) % ring.length];
            if (item.seq() > seq) {
                out.add(item);
            }
        }
        return out;
    }

    /** Sequence number of the oldest kept batch, or 0 when empty. */
    long oldestSeq() {
        if (count == 0) {
            return 0;
        }
        return ring[(next - count + ring.length) % ring.length].seq();
    }
}
