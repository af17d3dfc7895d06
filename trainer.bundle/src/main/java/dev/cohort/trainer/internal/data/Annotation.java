package dev.cohort.trainer.internal.data;

/**
 * What a schema element's logical type (or, in older files, its converted type) says about it,
 * reduced to what the reader distinguishes.
 */
record Annotation(int kind, String name, int bitWidth) {

    private static final String[] CONVERTED = {"UTF8", "MAP", "MAP_KEY_VALUE", "LIST", "ENUM", "DECIMAL", "DATE",
        "TIME_MILLIS", "TIME_MICROS", "TIMESTAMP_MILLIS", "TIMESTAMP_MICROS", "UINT_8", "UINT_16", "UINT_32",
        "UINT_64", "INT_8", "INT_16", "INT_32", "INT_64", "JSON", "BSON", "INTERVAL"};
    private static final String[] LOGICAL = {"", "STRING", "MAP", "LIST", "ENUM", "DECIMAL", "DATE", "TIME",
        "TIMESTAMP", "", "INTEGER", "UNKNOWN", "JSON", "BSON", "UUID", "FLOAT16", "VARIANT", "GEOMETRY", "GEOGRAPHY"};
    private static final Annotation NONE = new Annotation(SchemaNode.NONE, "", 0);

    /** From a SchemaElement: its logicalType (field 10) when present, else its converted_type (6). */
    static Annotation of(ThriftStruct element) {
        ThriftStruct logical = element.struct(10);
        if (logical != null) {
            for (int id = 1; id < LOGICAL.length; id++) {
                if (logical.has(id)) {
                    return logical(id, logical.struct(id));
                }
            }
        }
        return element.has(6) ? converted((int) element.integer(6)) : NONE;
    }

    private static Annotation logical(int id, ThriftStruct body) {
        return switch (id) {
            case 1, 4, 12 -> new Annotation(SchemaNode.STRING, LOGICAL[id], 0);
            case 2 -> new Annotation(SchemaNode.MAP, LOGICAL[id], 0);
            case 3 -> new Annotation(SchemaNode.LIST, LOGICAL[id], 0);
            case 11 -> NONE;
            case 10 -> body != null && !body.bool(2, true)
                    ? new Annotation(SchemaNode.UNSIGNED, "UINT_" + body.integer(1, 0), (int) body.integer(1, 0))
                    : NONE;
            default -> new Annotation(SchemaNode.OTHER, LOGICAL[id], 0);
        };
    }

    private static Annotation converted(int c) {
        String name = c >= 0 && c < CONVERTED.length ? CONVERTED[c] : "converted type " + c;
        return switch (c) {
            case 0, 4, 19 -> new Annotation(SchemaNode.STRING, name, 0);
            case 1, 2 -> new Annotation(SchemaNode.MAP, name, 0);
            case 3 -> new Annotation(SchemaNode.LIST, name, 0);
            case 11, 12, 13, 14 -> new Annotation(SchemaNode.UNSIGNED, name, 8 << (c - 11));
            case 15, 16, 17, 18 -> NONE;
            default -> new Annotation(SchemaNode.OTHER, name, 0);
        };
    }
}
