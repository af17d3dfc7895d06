package dev.cohort.trainer.internal.data;

/**
 * One column chunk decoded: a repetition and a definition level per entry, and the values of the
 * entries whose definition level is the leaf's maximum, in order. A cursor walks the entries
 * while rows are assembled.
 */
final class ColumnData {

    private final SchemaNode leaf;
    private final int[] rep;
    private final int[] def;
    private final Object[] values;
    private final int entries;
    private int entry;
    private int value;

    ColumnData(SchemaNode leaf, int[] rep, int[] def, Object[] values, int entries) {
        this.leaf = leaf;
        this.rep = rep;
        this.def = def;
        this.values = values;
        this.entries = entries;
    }

    SchemaNode leaf() {
        return leaf;
    }

    boolean exhausted() {
        return entry == entries;
    }

    /** The definition level of the current entry. */
    int definition() {
        check();
        return def[entry];
    }

    /** The repetition level of the current entry, -1 after the last one. */
    int nextRepetition() {
        return entry < entries ? rep[entry] : -1;
    }

    /** The current entry's value (null when not defined to the leaf), and moves on. */
    Object take() {
        check();
        Object v = def[entry++] == leaf.maxDefinition() ? values[value++] : null;
        return v;
    }

    /** Moves past an entry that stands for a null or empty ancestor. */
    void skip() {
        check();
        if (def[entry++] == leaf.maxDefinition()) {
            value++;
        }
    }

    private void check() {
        if (entry >= entries) {
            throw new IllegalStateException("column '" + leaf.path() + "' has fewer entries than the rows need");
        }
    }
}
