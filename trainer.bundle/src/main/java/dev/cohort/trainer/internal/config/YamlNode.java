package dev.cohort.trainer.internal.config;

import java.util.List;
import java.util.Map;

/** A YAML value together with the line it starts on (1-based); Jackson's trees keep no lines. */
sealed interface YamlNode {

    int line();

    /** How the value is shown after "got": a string in quotes, a number as written, "a list". */
    String describe();

    /**
     * A scalar: {@code value} is a String, Long, BigInteger, Double, Boolean, or null (YAML's
     * {@code ~} or nothing); {@code text} is the scalar as written.
     */
    record Scalar(Object value, String text, int line) implements YamlNode {
        @Override
        public String describe() {
            if (value instanceof String s) {
                return quote(s);
            }
            return value == null ? "null" : text;
        }

        boolean isNull() {
            return value == null;
        }
    }

    record Sequence(List<YamlNode> items, int line) implements YamlNode {
        @Override
        public String describe() {
            return "a list";
        }
    }

    /** A mapping in file order; duplicates were reported while reading and left out. */
    record Mapping(Map<String, Entry> entries, int line) implements YamlNode {
        @Override
        public String describe() {
            return "a mapping";
        }
    }

    /** One key of a mapping: its name, the line of the key, and its value. */
    record Entry(String key, int line, YamlNode value) {
        boolean isNull() {
            return value instanceof Scalar s && s.isNull();
        }
    }

    /** A string in double quotes, shortened to 60 characters, with line breaks escaped. */
    static String quote(String s) {
        String shown = s.length() > 60 ? s.substring(0, 57) + "..." : s;
        shown = shown.replace("\\", "\\\\").replace("\"", "\\\"")
                .replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
        return "\"" + shown + "\"";
    }
}
