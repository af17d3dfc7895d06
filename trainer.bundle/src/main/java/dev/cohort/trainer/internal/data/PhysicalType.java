package dev.cohort.trainer.internal.data;

import java.nio.file.Path;

/** Parquet's physical types, and the combinations of type and annotation the reader accepts. */
final class PhysicalType {

    static final int BOOLEAN = 0;
    static final int INT32 = 1;
    static final int INT64 = 2;
    static final int INT96 = 3;
    static final int FLOAT = 4;
    static final int DOUBLE = 5;
    static final int BYTE_ARRAY = 6;
    static final int FIXED_LEN_BYTE_ARRAY = 7;

    private static final String[] NAMES = {"BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY",
        "FIXED_LEN_BYTE_ARRAY"};

    private PhysicalType() {
    }

    static String name(int type) {
        return type >= 0 && type < NAMES.length ? NAMES[type] : "type " + type;
    }

    /** The leaf's physical type, or a refusal naming the column and what is not supported. */
    static int check(Path file, String column, ThriftStruct element, Annotation a) throws ParquetException {
        if (!element.has(1)) {
            throw new ParquetException(file, column, "malformed schema: a leaf without a physical type");
        }
        int type = (int) element.integer(1);
        if (type == INT96 || type == FIXED_LEN_BYTE_ARRAY || type < 0 || type > FIXED_LEN_BYTE_ARRAY) {
            throw new ParquetException(file, column, "physical type " + name(type) + " is not supported");
        }
        if (a.kind() == SchemaNode.OTHER || a.kind() == SchemaNode.MAP || a.kind() == SchemaNode.LIST) {
            throw new ParquetException(file, column, "logical type " + a.name() + " on " + name(type)
                    + " is not supported");
        }
        if (a.kind() == SchemaNode.UNSIGNED && (a.bitWidth() > 32 || type != INT32)) {
            throw new ParquetException(file, column, "logical type " + a.name() + " on " + name(type)
                    + " is not supported");
        }
        if (a.kind() == SchemaNode.STRING && type != BYTE_ARRAY) {
            throw new ParquetException(file, column, "a string annotation on " + name(type));
        }
        return type;
    }
}
