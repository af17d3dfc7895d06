package dev.cohort.trainer.internal.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The schema tree of a Parquet file, built from the footer's flattened depth-first list of
 * SchemaElements, with every node's definition and repetition levels and the leaves in column
 * order. Features this reader does not read (maps, INT96, FIXED_LEN_BYTE_ARRAY, dates, times,
 * decimals and other logical types) are refused here, naming the column.
 */
final class ParquetSchema {

    private final SchemaNode root;
    private final List<SchemaNode> leaves;

    private ParquetSchema(SchemaNode root, List<SchemaNode> leaves) {
        this.root = root;
        this.leaves = leaves;
    }

    SchemaNode root() {
        return root;
    }

    List<SchemaNode> leaves() {
        return leaves;
    }

    static ParquetSchema of(Path file, List<ThriftStruct> elements) throws ParquetException {
        if (elements.isEmpty()) {
            throw new ParquetException(file, null, "the footer has no schema");
        }
        Builder b = new Builder(file, elements);
        SchemaNode root = b.node("", 0, 0, true);
        if (b.next != elements.size()) {
            throw new ParquetException(file, null, "malformed schema: " + (elements.size() - b.next)
                    + " elements after the root's children");
        }
        return new ParquetSchema(root, List.copyOf(b.leaves));
    }

    private static final class Builder {
        private final Path file;
        private final List<ThriftStruct> elements;
        private final List<SchemaNode> leaves = new ArrayList<>();
        private int next;

        Builder(Path file, List<ThriftStruct> elements) {
            this.file = file;
            this.elements = elements;
        }

        SchemaNode node(String parentPath, int parentDef, int parentRep, boolean isRoot) throws ParquetException {
            if (next >= elements.size()) {
                throw new ParquetException(file, parentPath, "malformed schema: fewer elements than children");
            }
            ThriftStruct e = elements.get(next++);
            String name = e.string(4);
            String path = isRoot ? "" : parentPath.isEmpty() ? name : parentPath + "." + name;
            int repetition = isRoot ? SchemaNode.REQUIRED : (int) e.integer(3, SchemaNode.REQUIRED);
            int def = parentDef + (repetition == SchemaNode.REQUIRED ? 0 : 1);
            int rep = parentRep + (repetition == SchemaNode.REPEATED ? 1 : 0);
            int children = (int) e.integer(5, 0);
            Annotation a = Annotation.of(e);
            if (children == 0 && !isRoot) {
                SchemaNode leaf = new SchemaNode(name, path, PhysicalType.check(file, path, e, a), repetition,
                        a.kind(), a.name(), a.bitWidth(), def, rep, leaves.size(), List.of());
                leaves.add(leaf);
                return leaf;
            }
            if (a.kind() == SchemaNode.MAP) {
                throw new ParquetException(file, path, "maps are not supported");
            }
            List<SchemaNode> kids = new ArrayList<>(children);
            for (int i = 0; i < children; i++) {
                kids.add(node(path, def, rep, false));
            }
            return new SchemaNode(name, path, -1, repetition, a.kind(), a.name(), 0, def, rep, -1, List.copyOf(kids));
        }
    }
}
