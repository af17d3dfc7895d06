package dev.cohort.trainer.internal.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps(x, ensure_ascii, indent, separators, sort_keys)}, which transformers
 * installs as the {@code tojson} filter: ", " and ": " between items without an indent, "," with
 * one; floats as Python's repr; non-ASCII text kept unless ensure_ascii.
 */
final class PyJson {

    private final String indent;
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;
    private final boolean ensureAscii;

    PyJson(Object indent, Object separators, boolean sortKeys, boolean ensureAscii) {
        this.indent = indentString(indent);
        if (separators == null || separators instanceof Undefined) {
            this.itemSeparator = this.indent == null ? ", " : ",";
            this.keySeparator = ": ";
        } else {
            List<Object> seps = PyValues.asList(separators);
            if (seps.size() != 2 || !(seps.get(0) instanceof String) || !(seps.get(1) instanceof String)) {
                throw JinjaError.value("tojson separators must be two strings, got " + PyRepr.repr(separators));
            }
            this.itemSeparator = (String) seps.get(0);
            this.keySeparator = (String) seps.get(1);
        }
        this.sortKeys = sortKeys;
        this.ensureAscii = ensureAscii;
    }

    private static String indentString(Object indent) {
        if (indent == null || indent instanceof Undefined) {
            return null;
        }
        if (indent instanceof String) {
            return (String) indent;
        }
        if (PyValues.isIntLike(indent)) {
            return " ".repeat((int) Math.max(0, PyValues.asLong(indent)));
        }
        throw JinjaError.type("tojson indent must be an int or a string, got " + PyValues.typeName(indent));
    }

    String dumps(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value, 0);
        return out.toString();
    }

    private void write(StringBuilder out, Object v, int level) {
        if (v == null) {
            out.append("null");
        } else if (v instanceof Boolean) {
            out.append((Boolean) v ? "true" : "false");
        } else if (v instanceof Long) {
            out.append(v);
        } else if (v instanceof Double) {
            out.append(floatJson((Double) v));
        } else if (v instanceof String) {
            writeString(out, (String) v);
        } else if (v instanceof List) {
            writeList(out, (List<?>) v, level);
        } else if (v instanceof Map) {
            writeMap(out, (Map<?, ?>) v, level);
        } else {
            throw JinjaError.type("Object of type " + PyValues.typeName(v) + " is not JSON serializable");
        }
    }

    private static String floatJson(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        return PyRepr.floatRepr(d);
    }

    private void writeList(StringBuilder out, List<?> list, int level) {
        if (list.isEmpty()) {
            out.append("[]");
            return;
        }
        out.append('[');
        String newline = newline(level + 1);
        out.append(newline);
        for (int i = 0; i < list.size(); i++) {
            if (i > 0) {
                out.append(itemSeparator).append(newline);
            }
            write(out, list.get(i), level + 1);
        }
        out.append(newline(level)).append(']');
    }

    private void writeMap(StringBuilder out, Map<?, ?> map, int level) {
        if (map.isEmpty()) {
            out.append("{}");
            return;
        }
        List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
        if (sortKeys) {
            entries.sort((a, b) -> PyValues.compare(a.getKey(), b.getKey(), "<"));
        }
        out.append('{');
        String newline = newline(level + 1);
        out.append(newline);
        boolean first = true;
        for (Map.Entry<?, ?> e : entries) {
            if (!first) {
                out.append(itemSeparator).append(newline);
            }
            first = false;
            writeString(out, key(e.getKey()));
            out.append(keySeparator);
            write(out, e.getValue(), level + 1);
        }
        out.append(newline(level)).append('}');
    }

    private String newline(int level) {
        return indent == null ? "" : "\n" + indent.repeat(level);
    }

    private static String key(Object k) {
        if (k instanceof String) {
            return (String) k;
        } else if (k instanceof Boolean) {
            return (Boolean) k ? "true" : "false";
        } else if (k == null) {
            return "null";
        } else if (k instanceof Long) {
            return k.toString();
        } else if (k instanceof Double) {
            return floatJson((Double) k);
        }
        throw JinjaError.type("keys must be str, int, float, bool or None, not " + PyValues.typeName(k));
    }

    private void writeString(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': out.append("\\\""); break;
                case '\\': out.append("\\\\"); break;
                case '\n': out.append("\\n"); break;
                case '\r': out.append("\\r"); break;
                case '\t': out.append("\\t"); break;
                case '\b': out.append("\\b"); break;
                case '\f': out.append("\\f"); break;
                default:
                    if (c < 0x20 || ensureAscii && c > 0x7e) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        out.append('"');
    }
}
