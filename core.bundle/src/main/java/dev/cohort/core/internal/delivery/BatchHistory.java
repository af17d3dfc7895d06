package dev.cohort.core.internal.delivery;

import java.util.ArrayList;
import java.util.List;

/** The last published batches, kept to replay them to listeners that come back after an update. */
final class BatchHistory {

    private final Sequenced[] ring;
    private int next;
    private int count;

    BatchHistory(int size) {
        ring = new Sequenced[Math.max(0, size)];
    }

    void add(Sequenced item) {
        if (ring.length == 0) {
            return;
        }
        ring[next] = item;
        next = (next + 1) % ring.length;
        count = Math.min(count + 1, ring.length);
    }

    /** Kept batches with a sequence number above {@code seq}, oldest first. */
    List<Sequenced> after(long seq) {
        List<Sequenced> out = new ArrayList<>();
        int start = (next - count + ring.length) % Math.max(1, ring.length);
        for (int i = 0; i < count; i++) {
            Sequenced item = ring[(start + i) % ring.length];
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
