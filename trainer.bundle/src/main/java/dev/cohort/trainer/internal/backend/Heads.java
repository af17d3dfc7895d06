package dev.cohort.trainer.internal.backend;

/**
 * The attention heads of a layer: {@code q} query heads sharing {@code kv} key/value heads
 * (grouped-query attention; {@code q == kv} is multi-head attention) of {@code size} elements each.
 * A row of the attention's input holds the query heads, then the key heads, then the value heads:
 * {@code (q + 2 kv) * size} elements; its output row holds {@code q * size}. Query head h reads
 * key/value head {@code h / (q / kv)}, as transformers' {@code repeat_kv} does.
 */
public record Heads(int q, int kv, int size) {

    public Heads {
        if (q <= 0 || kv <= 0 || size <= 0) {
            throw new IllegalArgumentException("heads must be positive: q " + q + ", kv " + kv + ", size " + size);
        }
        if (q % kv != 0) {
            throw new IllegalArgumentException(q + " query heads are not a multiple of " + kv + " key/value heads");
        }
    }

    /** Multi-head attention over C = nh * (C / nh), as GPT-2's. */
    public static Heads multiHead(int c, int nh) {
        if (nh <= 0 || c % nh != 0) {
            throw new IllegalArgumentException("C = " + c + " is not a multiple of NH = " + nh);
        }
        return new Heads(nh, nh, c / nh);
    }

    /** Elements of one input row: q, k and v heads. */
    public int qkvWidth() {
        return (q + 2 * kv) * size;
    }

    /** Elements of one output row (the query heads). */
    public int width() {
        return q * size;
    }

    /** Elements of one position's keys (or values) in the cache. */
    public int kvWidth() {
        return kv * size;
    }

    /** Query heads per key/value head. */
    public int group() {
        return q / kv;
    }

    /** Offset in a row of query head h. */
    public int qOffset(int h) {
        return h * size;
    }

    /** Offset in a row of the key head that query head h reads. */
    public int kOffset(int h) {
        return (q + h / group()) * size;
    }

    /** Offset in a row of the value head that query head h reads. */
    public int vOffset(int h) {
        return (q + kv + h / group()) * size;
    }

    /** Whether this is GPT-2's layout: as many key/value heads as query heads. */
    public boolean multiHead() {
        return q == kv;
    }

    @Override
    public String toString() {
        return q + " query heads, " + kv + " key/value heads of " + size;
    }
}
