package dev.cohort.trainer.internal.config;

import java.lang.reflect.Array;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;

/**
 * A run's {@code plugins:} properties as Config Admin takes them. The section holds Strings,
 * Longs, Doubles and Booleans, and lists of one of those ({@link PluginsSection}); Config Admin
 * accepts scalars of those types and arrays of one of them, but not an {@code Object[]} (Felix
 * refuses it as "unsupported (base-) type"), so each list becomes an array of its items' type
 * ({@code String[]}, {@code Long[]}, {@code Double[]}, {@code Boolean[]}; an empty list a
 * {@code String[0]}).
 */
public final class ConfigAdminProperties {

    private ConfigAdminProperties() {
    }

    /** The properties of one PID, each value converted by {@link #value(Object)}. */
    public static Hashtable<String, Object> of(Map<String, Object> properties) {
        Hashtable<String, Object> out = new Hashtable<>();
        properties.forEach((k, v) -> out.put(k, value(v)));
        return out;
    }

    /** A scalar as it is; a list as an array of its items' class. */
    static Object value(Object v) {
        if (!(v instanceof List<?> list)) {
            return v;
        }
        Class<?> type = list.isEmpty() ? String.class : list.get(0).getClass();
        Object array = Array.newInstance(type, list.size());
        for (int i = 0; i < list.size(); i++) {
            if (!type.isInstance(list.get(i))) {
                throw new IllegalArgumentException("a plugins list mixes " + type.getSimpleName() + " and "
                        + list.get(i).getClass().getSimpleName() + ": " + list);
            }
            Array.set(array, i, list.get(i));
        }
        return array;
    }
}
