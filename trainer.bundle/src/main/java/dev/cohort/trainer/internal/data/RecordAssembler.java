package dev.cohort.trainer.internal.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Assembles the rows of a row group from its decoded columns (record assembly with repetition
 * and definition levels). A group is a Map (field order kept), a LIST-annotated group or a bare
 * repeated field a List; an optional node whose definition level stops above it is null, a list
 * whose repeated node is not defined is empty. All columns under a node move in step: a null or
 * empty node takes exactly one entry of each of them.
 */
final class RecordAssembler {

    private final SchemaNode root;
    private final ColumnData[] columns;

    RecordAssembler(SchemaNode root, ColumnData[] columns) {
        this.root = root;
        this.columns = columns;
    }

    /** The next row, as an unmodifiable map from top-level field to value. */
    Map<String, Object> row() {
        if (!root.children().isEmpty() && column(root).nextRepetition() > 0) {
            throw new IllegalStateException("a row starts with repetition level " + column(root).nextRepetition());
        }
        return struct(root);
    }

    /** Whether every column was read to its end (true after the row group's last row). */
    boolean exhausted() {
        for (ColumnData c : columns) {
            if (!c.exhausted()) {
                return false;
            }
        }
        return true;
    }

    private Map<String, Object> struct(SchemaNode group) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (SchemaNode child : group.children()) {
            out.put(child.name(), child.repetition() == SchemaNode.REPEATED ? repeated(child, child) : value(child));
        }
        return Collections.unmodifiableMap(out);
    }

    /** The value of a node that is not repeated: null, a primitive, a list or a struct. */
    private Object value(SchemaNode n) {
        ColumnData c = column(n);
        if (n.repetition() == SchemaNode.OPTIONAL && c.definition() < n.maxDefinition()) {
            skip(n);
            return null;
        }
        if (!n.isGroup()) {
            return c.take();
        }
        if (n.annotation() == SchemaNode.LIST && n.children().size() == 1
                && n.children().get(0).repetition() == SchemaNode.REPEATED) {
            SchemaNode r = n.children().get(0);
            return repeated(r, threeLevel(n, r) ? r.children().get(0) : r);
        }
        return struct(n);
    }

    /**
     * Whether a list's repeated node wraps the element (the standard three levels), rather than
     * being the element itself (legacy two-level lists: a primitive, a group of several fields,
     * or a one-field group named {@code array} or {@code <list>_tuple}).
     */
    private static boolean threeLevel(SchemaNode list, SchemaNode r) {
        return r.isGroup() && r.children().size() == 1 && !r.name().equals("array")
                && !r.name().equals(list.name() + "_tuple");
    }

    /** The elements of repeated node {@code r} at the current position. */
    private List<Object> repeated(SchemaNode r, SchemaNode element) {
        ColumnData c = column(r);
        if (c.definition() < r.maxDefinition()) {
            skip(r);
            return List.of();
        }
        List<Object> out = new ArrayList<>();
        do {
            out.add(element != r ? value(element) : r.isGroup() ? struct(r) : c.take());
        } while (c.nextRepetition() == r.maxRepetition());
        return Collections.unmodifiableList(out);
    }

    private void skip(SchemaNode n) {
        if (n.isGroup()) {
            for (SchemaNode child : n.children()) {
                skip(child);
            }
        } else {
            columns[n.leaf()].skip();
        }
    }

    private ColumnData column(SchemaNode n) {
        return columns[n.firstLeaf().leaf()];
    }
}
