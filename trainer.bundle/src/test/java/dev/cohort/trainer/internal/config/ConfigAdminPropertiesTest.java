package dev.cohort.trainer.internal.config;

import static dev.cohort.trainer.internal.config.Yaml.parseMinimalWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Hashtable;
import org.junit.jupiter.api.Test;

/**
 * Every property type of the plugins section reaches Config Admin as a type it accepts: the
 * scalars as they are, lists as arrays of the items' type (never Object[], which Felix refuses).
 */
class ConfigAdminPropertiesTest {

    @Test
    void everyTypeBecomesAConfigAdminType() {
        Hashtable<String, Object> p = ConfigAdminProperties.of(parseMinimalWith("""
                plugins:
                  my.pid:
                    name: trace
                    count: 3
                    ratio: 0.25
                    on: true
                    tags: [a, b]
                    sizes: [1, 2]
                    ratios: [0.5, 1.5]
                    mixed: [1, 2.5]
                    flags: [true, false]
                    none: []
                """).plugins().get("my.pid"));
        assertEquals("trace", p.get("name"));
        assertEquals(Long.valueOf(3), p.get("count"));
        assertEquals(Double.valueOf(0.25), p.get("ratio"));
        assertEquals(Boolean.TRUE, p.get("on"));
        assertArrayEquals(new String[] {"a", "b"}, (String[]) p.get("tags"));
        assertArrayEquals(new Long[] {1L, 2L}, (Long[]) p.get("sizes"));
        assertArrayEquals(new Double[] {0.5, 1.5}, (Double[]) p.get("ratios"));
        assertArrayEquals(new Double[] {1.0, 2.5}, (Double[]) p.get("mixed"));
        assertArrayEquals(new Boolean[] {true, false}, (Boolean[]) p.get("flags"));
        assertArrayEquals(new String[0], (String[]) p.get("none"));
        for (Object v : p.values()) {
            Class<?> c = v.getClass().isArray() ? v.getClass().getComponentType() : v.getClass();
            assertEquals(true, c == String.class || c == Long.class || c == Double.class || c == Boolean.class,
                    v + " is a " + v.getClass());
        }
    }
}
