package dev.cohort.plugins.dashboard;

import java.util.Locale;

/**
 * A small JSON writer: strings escaped as RFC 8259 requires (and {@code <}, {@code >}, {@code &}
 * as {@code \\u} escapes, so text from completions can never close a script or markup), numbers
 * written exactly ({@link Double#toString}), NaN and infinities as {@code null}.
 */
final class Json {

    private final StringBuilder sb = new StringBuilder();
    private boolean first = true;

    Json beginObject() {
        comma();
        sb.append('{');
        first = true;
        return this;
    }

    Json endObject() {
        sb.append('}');
        first = false;
        return this;
    }

    Json beginArray() {
        comma();
        sb.append('[');
        first = true;
        return this;
    }

    Json endArray() {
        sb.append(']');
        first = false;
        return this;
    }

    /** The name of the next member of an object. */
    Json name(String name) {
        comma();
        string(sb, name);
        sb.append(':');
        first = true;
        return this;
    }

    Json value(String s) {
        comma();
        if (s == null) {
            sb.append("null");
        } else {
            string(sb, s);
        }
        return this;
    }

    Json value(double d) {
        comma();
        sb.append(number(d));
        return this;
    }

    Json value(long l) {
        comma();
        sb.append(l);
        return this;
    }

    Json value(boolean b) {
        comma();
        sb.append(b);
        return this;
    }

    /** Inserts already-encoded JSON as the next value. */
    Json raw(String json) {
        comma();
        sb.append(json);
        return this;
    }

    Json field(String name, String s) {
        return name(name).value(s);
    }

    Json field(String name, double d) {
        return name(name).value(d);
    }

    Json field(String name, long l) {
        return name(name).value(l);
    }

    Json field(String name, boolean b) {
        return name(name).value(b);
    }

    private void comma() {
        if (!first) {
            sb.append(',');
        }
        first = false;
    }

    @Override
    public String toString() {
        return sb.toString();
    }

    static String number(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return "null";
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return Double.toString(d);
    }

    static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2);
        string(out, s);
        return out.toString();
    }

    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
