package dev.cohort.trainer.internal.data;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A Thrift struct read without its schema: field id to value (see {@link ThriftCompact}). */
final class ThriftStruct {

    private final Map<Integer, Object> fields = new HashMap<>();

    void put(int id, Object value) {
        fields.put(id, value);
    }

    boolean has(int id) {
        return fields.containsKey(id);
    }

    /** An integer field, or {@code absent} when the struct does not have it. */
    long integer(int id, long absent) {
        Object v = fields.get(id);
        if (v == null) {
            return absent;
        }
        if (v instanceof Long l) {
            return l;
        }
        throw wrongType(id, "an integer", v);
    }

    /** A required integer field. */
    long integer(int id) {
        if (!has(id)) {
            throw new IllegalStateException("malformed Thrift metadata: required field " + id + " is missing");
        }
        return integer(id, 0);
    }

    boolean bool(int id, boolean absent) {
        Object v = fields.get(id);
        if (v == null) {
            return absent;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw wrongType(id, "a boolean", v);
    }

    /** A string field, or null. */
    String string(int id) {
        Object v = fields.get(id);
        if (v == null) {
            return null;
        }
        if (v instanceof byte[] b) {
            return ThriftCompact.utf8(b);
        }
        throw wrongType(id, "a binary", v);
    }

    /** A struct field, or null. */
    ThriftStruct struct(int id) {
        Object v = fields.get(id);
        if (v == null || v instanceof ThriftStruct) {
            return (ThriftStruct) v;
        }
        throw wrongType(id, "a struct", v);
    }

    /** A list field (empty when absent) whose elements have type {@code type}. */
    <T> List<T> list(int id, Class<T> type) {
        Object v = fields.get(id);
        if (v == null) {
            return List.of();
        }
        if (!(v instanceof List<?> list)) {
            throw wrongType(id, "a list", v);
        }
        for (Object e : list) {
            if (!type.isInstance(e)) {
                throw wrongType(id, "a list of " + type.getSimpleName(), e);
            }
        }
        @SuppressWarnings("unchecked")
        List<T> typed = (List<T>) list;
        return typed;
    }

    private static IllegalStateException wrongType(int id, String expected, Object got) {
        return new IllegalStateException("malformed Thrift metadata: field " + id + " is not " + expected
                + " (" + got.getClass().getSimpleName() + ")");
    }
}
