package dev.cohort.trainer.internal.config;

import dev.cohort.trainer.internal.config.YamlNode.Entry;
import dev.cohort.trainer.internal.config.YamlNode.Mapping;
import dev.cohort.trainer.internal.config.YamlNode.Scalar;
import dev.cohort.trainer.internal.config.YamlNode.Sequence;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Typed reads of the top-level keys. A key that is absent or null takes its default; a value
 * that is wrong is reported with the key's line, and the read returns the default so that the
 * other keys can still be checked. Every key read is remembered as known.
 */
final class Fields {

    private final Mapping root;
    private final Problems problems;
    private final Set<String> known = new LinkedHashSet<>();
    private final Set<String> invalid = new HashSet<>();

    Fields(Mapping root, Problems problems) {
        this.root = root;
        this.problems = problems;
    }

    /** The keys read so far, in the order they were read. */
    Set<String> known() {
        return known;
    }

    /** The entry of {@code key} when it has a non-null value, else null. */
    Entry given(String key) {
        known.add(key);
        Entry e = root.entries().get(key);
        return e == null || e.isNull() ? null : e;
    }

    /** The line of {@code key}, or 0 when it is not in the file. */
    int line(String key) {
        Entry e = root.entries().get(key);
        return e == null ? 0 : e.line();
    }

    /** False once a problem was reported for {@code key}. */
    boolean valid(String key) {
        return !invalid.contains(key);
    }

    void problem(String key, int line, String what) {
        invalid.add(key);
        problems.at(line, key, what);
    }

    /** A problem with one item of {@code key}, named by {@code path} ({@code reward_funcs[1]}). */
    private void itemProblem(String key, int line, String path, String what) {
        invalid.add(key);
        problems.at(line, path, what);
    }

    /** Reports a missing required key: with the line when it is there but null, else without. */
    void missing(String key) {
        problem(key, line(key), "required");
    }

    private void wrongType(Entry e, String expected) {
        problem(e.key(), e.line(), "expected " + expected + ", got " + e.value().describe());
    }

    String string(String key, String defaultValue) {
        Entry e = given(key);
        if (e == null) {
            return defaultValue;
        }
        if (e.value() instanceof Scalar s && s.value() instanceof String text) {
            return text;
        }
        wrongType(e, "a string");
        return defaultValue;
    }

    /** A required, non-empty string; null after reporting when it is missing or wrong. */
    String requiredString(String key) {
        if (given(key) == null) {
            missing(key);
            return null;
        }
        return nonEmptyString(key, null);
    }

    /** A string that, when given, must not be empty; the default after reporting a problem. */
    String nonEmptyString(String key, String defaultValue) {
        String value = string(key, defaultValue);
        if (value != null && value.isEmpty()) {
            problem(key, line(key), "must not be empty");
            return defaultValue;
        }
        return value;
    }

    /** A required integer; 0 after reporting when it is missing or wrong. */
    int requiredInt(String key, Range range) {
        if (given(key) == null) {
            missing(key);
            return 0;
        }
        return integer(key, 0, range);
    }

    int integer(String key, int defaultValue, Range range) {
        return (int) integral(key, defaultValue, range, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    long longInteger(String key, long defaultValue, Range range) {
        return integral(key, defaultValue, range, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    private long integral(String key, long defaultValue, Range range, long min, long max) {
        Entry e = given(key);
        if (e == null) {
            return defaultValue;
        }
        if (!(e.value() instanceof Scalar s
                && (s.value() instanceof Long || s.value() instanceof BigInteger))) {
            wrongType(e, "an integer");
            return defaultValue;
        }
        BigInteger v = s.value() instanceof Long l ? BigInteger.valueOf(l) : (BigInteger) s.value();
        if (!range.contains(v.doubleValue())) {
            problem(key, e.line(), range.requirement() + ", got " + v);
        } else if (v.compareTo(BigInteger.valueOf(max)) > 0) {
            problem(key, e.line(), "must be <= " + max + ", got " + v);
        } else if (v.compareTo(BigInteger.valueOf(min)) < 0) {
            problem(key, e.line(), "must be >= " + min + ", got " + v);
        } else {
            return v.longValue();
        }
        return defaultValue;
    }

    double number(String key, double defaultValue, Range range) {
        Double v = optionalNumber(key, range);
        return v == null ? defaultValue : v;
    }

    /** A finite number in {@code range}, or null when absent or wrong (reported). */
    Double optionalNumber(String key, Range range) {
        Entry e = given(key);
        if (e == null) {
            return null;
        }
        Double v = finiteNumber(e.value());
        if (v == null) {
            wrongType(e, "a number");
        } else if (!range.contains(v)) {
            problem(key, e.line(), range.requirement() + ", got " + v);
        } else {
            return v;
        }
        return null;
    }

    private static Double finiteNumber(YamlNode node) {
        if (node instanceof Scalar s && s.value() instanceof Number n
                && !(s.value() instanceof BigInteger)) {
            double v = n.doubleValue();
            return Double.isFinite(v) ? v : null;
        }
        return null;
    }

    boolean bool(String key, boolean defaultValue) {
        Entry e = given(key);
        if (e == null) {
            return defaultValue;
        }
        if (e.value() instanceof Scalar s && s.value() instanceof Boolean b) {
            return b;
        }
        wrongType(e, "true or false");
        return defaultValue;
    }

    /** One of the enum's constants, spelt in lower case ({@code dr_grpo}). */
    <E extends Enum<E>> E choice(String key, E defaultValue, Class<E> type) {
        return choice(key, defaultValue, List.of(type.getEnumConstants()),
                e -> e.name().toLowerCase(Locale.ROOT));
    }

    /** One of {@code values}, as spelt by {@code spelling}; the message lists them all. */
    <E> E choice(String key, E defaultValue, List<E> values, Function<E, String> spelling) {
        Entry e = given(key);
        if (e == null) {
            return defaultValue;
        }
        if (e.value() instanceof Scalar s && s.value() instanceof String text) {
            for (E value : values) {
                if (spelling.apply(value).equals(text)) {
                    return value;
                }
            }
        }
        List<String> names = values.stream().map(spelling).toList();
        problem(key, e.line(), "must be one of " + String.join(", ", names) + ", got "
                + e.value().describe());
        return defaultValue;
    }

    /** A list of non-empty strings; empty when absent; reports each item that is wrong. */
    List<String> strings(String key) {
        Entry e = given(key);
        if (e == null) {
            return List.of();
        }
        if (!(e.value() instanceof Sequence seq)) {
            wrongType(e, "a list of strings");
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < seq.items().size(); i++) {
            YamlNode item = seq.items().get(i);
            String path = key + "[" + i + "]";
            if (!(item instanceof Scalar s && s.value() instanceof String text)) {
                itemProblem(key, item.line(), path, "expected a string, got " + item.describe());
            } else if (text.isEmpty()) {
                itemProblem(key, item.line(), path, "must not be empty");
            } else {
                out.add(text);
            }
        }
        return List.copyOf(out);
    }

    /** A list of finite numbers; empty when absent; reports each item that is wrong. */
    List<Double> numbers(String key) {
        Entry e = given(key);
        if (e == null) {
            return List.of();
        }
        if (!(e.value() instanceof Sequence seq)) {
            wrongType(e, "a list of numbers");
            return List.of();
        }
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < seq.items().size(); i++) {
            YamlNode item = seq.items().get(i);
            Double v = finiteNumber(item);
            if (v == null) {
                itemProblem(key, item.line(), key + "[" + i + "]",
                        "expected a number, got " + item.describe());
            } else {
                out.add(v);
            }
        }
        return List.copyOf(out);
    }
}
