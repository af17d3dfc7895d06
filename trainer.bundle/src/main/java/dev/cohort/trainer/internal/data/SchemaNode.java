package dev.cohort.trainer.internal.data;

import java.util.List;

/**
 * One node of a Parquet schema: a group (children) or a primitive column (a leaf).
 *
 * @param type the physical type (a {@code PhysicalType} constant), -1 for a group
 * @param repetition {@link #REQUIRED}, {@link #OPTIONAL} or {@link #REPEATED}
 * @param annotation what the schema says the node holds: {@link #LIST}, {@link #MAP},
 *     {@link #STRING}, {@link #UNSIGNED}, {@link #OTHER} (a logical type this reader refuses, with
 *     its name in {@code annotationName}) or {@link #NONE}
 * @param maxDefinition the definition level at which this node is present
 * @param maxRepetition the number of repeated nodes from the root to this one, itself included
 * @param leaf the index of the column chunk for a leaf, -1 for a group
 */
record SchemaNode(String name, String path, int type, int repetition, int annotation, String annotationName,
        int bitWidth, int maxDefinition, int maxRepetition, int leaf, List<SchemaNode> children) {

    static final int REQUIRED = 0;
    static final int OPTIONAL = 1;
    static final int REPEATED = 2;

    static final int NONE = 0;
    static final int STRING = 1;
    static final int LIST = 2;
    static final int MAP = 3;
    static final int UNSIGNED = 4;
    static final int OTHER = 5;

    boolean isGroup() {
        return type < 0;
    }

    /** The first leaf under this node: its levels tell whether the node is null, empty or repeated. */
    SchemaNode firstLeaf() {
        return isGroup() ? children.get(0).firstLeaf() : this;
    }
}
