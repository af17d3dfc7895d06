package dev.cohort.trainer.internal.config;

import dev.cohort.trainer.internal.config.YamlNode.Entry;
import dev.cohort.trainer.internal.config.YamlNode.Mapping;
import dev.cohort.trainer.internal.config.YamlNode.Scalar;
import dev.cohort.trainer.internal.config.YamlNode.Sequence;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code plugins} section: Config Admin PID to properties. A property value is a String,
 * Long, Double or Boolean, or a list of one of those (integers and numbers mixed become Doubles),
 * as Config Admin accepts them. A PID with no value gets no properties.
 */
final class PluginsSection {

    static final String KEY = "plugins";
    private static final String SCALARS = "a string, number, true or false";

    private final Problems problems;

    private PluginsSection(Problems problems) {
        this.problems = problems;
    }

    /** The section, in file order; empty when absent; problems reported with their lines. */
    static Map<String, Map<String, Object>> read(Entry section, Problems problems) {
        if (section == null || section.isNull()) {
            return Map.of();
        }
        if (!(section.value() instanceof Mapping pids)) {
            problems.at(section.line(), KEY,
                    "expected a mapping, got " + section.value().describe());
            return Map.of();
        }
        PluginsSection reader = new PluginsSection(problems);
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        for (Entry pid : pids.entries().values()) {
            out.put(pid.key(), reader.properties(pid));
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * A mapping of names to scalars or lists of scalars under {@code key} (such as
     * chat_template_kwargs); empty when absent; problems reported with their lines.
     */
    static Map<String, Object> values(Entry section, String key, Problems problems) {
        if (section == null || section.isNull()) {
            return Map.of();
        }
        if (!(section.value() instanceof Mapping m)) {
            problems.at(section.line(), key, "expected a mapping, got " + section.value().describe());
            return Map.of();
        }
        PluginsSection reader = new PluginsSection(problems);
        Map<String, Object> out = new LinkedHashMap<>();
        for (Entry e : m.entries().values()) {
            Object value = reader.property(key + "." + e.key(), e);
            if (value != null) {
                out.put(e.key(), value);
            }
        }
        return Collections.unmodifiableMap(out);
    }

    private Map<String, Object> properties(Entry pid) {
        String path = KEY + "." + pid.key();
        if (pid.key().isBlank()) {
            problems.at(pid.line(), path, "a PID must not be empty");
        }
        if (pid.isNull()) {
            return Map.of();
        }
        if (!(pid.value() instanceof Mapping props)) {
            problems.at(pid.line(), path, "expected a mapping, got " + pid.value().describe());
            return Map.of();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Entry prop : props.entries().values()) {
            Object value = property(path + "." + prop.key(), prop);
            if (value != null) {
                out.put(prop.key(), value);
            }
        }
        return Collections.unmodifiableMap(out);
    }

    private Object property(String path, Entry prop) {
        if (prop.value() instanceof Sequence list) {
            return list(path, list);
        }
        Object value = scalar(prop.value());
        if (value == null) {
            problems.at(prop.line(), path, "expected " + SCALARS + ", or a list of those, got "
                    + prop.value().describe());
        }
        return value;
    }

    private List<Object> list(String path, Sequence list) {
        List<Object> out = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < list.items().size(); i++) {
            YamlNode item = list.items().get(i);
            Object value = scalar(item);
            if (value == null) {
                problems.at(item.line(), path + "[" + i + "]",
                        "expected " + SCALARS + ", got " + item.describe());
                ok = false;
            }
            out.add(value);
        }
        return ok ? oneType(path, list.line(), out) : null;
    }

    /** The items as one type: Longs among Doubles become Doubles; other mixtures are reported. */
    private List<Object> oneType(String path, int line, List<Object> items) {
        boolean numbers = items.stream().allMatch(v -> v instanceof Long || v instanceof Double);
        if (numbers && items.stream().anyMatch(v -> v instanceof Double)) {
            return items.stream().map(v -> (Object) ((Number) v).doubleValue()).toList();
        }
        long types = items.stream().map(Object::getClass).distinct().count();
        if (types > 1) {
            problems.at(line, path, "the items of a list must all be of one type (all strings,"
                    + " all numbers, or all true or false)");
            return null;
        }
        return List.copyOf(items);
    }

    /** A String, Long, Double or Boolean, or null when the node is none of those. */
    private static Object scalar(YamlNode node) {
        if (!(node instanceof Scalar s) || s.value() instanceof BigInteger) {
            return null;
        }
        return s.value();
    }
}
