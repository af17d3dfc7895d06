package dev.cohort.trainer.internal.config;

import static dev.cohort.trainer.internal.config.Yaml.MINIMAL;
import static dev.cohort.trainer.internal.config.Yaml.parseMinimalWith;
import static dev.cohort.trainer.internal.config.Yaml.problem;
import static dev.cohort.trainer.internal.config.Yaml.problems;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The plugins section: PID to Config Admin properties. */
class PluginsSectionTest {

    @Test
    void scalarsAndListsOfScalars() {
        Map<String, Map<String, Object>> plugins = parseMinimalWith("""
                plugins:
                  my.pid:
                    name: trace
                    count: 3
                    ratio: 0.25
                    on: true
                    tags: [a, b]
                    sizes: [1, 2]
                    mixed: [1, 2.5]
                    none: []
                  other.pid:
                  third.pid: {}
                """).plugins();
        assertEquals(List.of("my.pid", "other.pid", "third.pid"), List.copyOf(plugins.keySet()));
        Map<String, Object> props = plugins.get("my.pid");
        assertEquals("trace", props.get("name"));
        assertEquals(3L, props.get("count"));
        assertEquals(0.25, props.get("ratio"));
        assertEquals(true, props.get("on"));
        assertEquals(List.of("a", "b"), props.get("tags"));
        assertEquals(List.of(1L, 2L), props.get("sizes"));
        assertEquals(List.of(1.0, 2.5), props.get("mixed"), "integers among numbers become Doubles");
        assertEquals(List.of(), props.get("none"));
        assertEquals(Map.of(), plugins.get("other.pid"), "a PID with no value has no properties");
        assertEquals(Map.of(), plugins.get("third.pid"));
    }

    @Test
    void nestedMappingsAreReportedWithTheirLines() {
        String yaml = MINIMAL + """
                plugins:
                  my.pid:
                    ok: 1
                    deep:
                      a: 1
                    list: [1, {b: 2}, [3]]
                    nothing: ~
                    mixed: [1, x]
                  bad.pid: 3
                """;
        assertEquals(List.of(
                "foo.yaml:8: plugins.my.pid.deep: expected a string, number, true or false,"
                        + " or a list of those, got a mapping",
                "foo.yaml:10: plugins.my.pid.list[1]: expected a string, number, true or false, got a mapping",
                "foo.yaml:10: plugins.my.pid.list[2]: expected a string, number, true or false, got a list",
                "foo.yaml:11: plugins.my.pid.nothing: expected a string, number, true or false,"
                        + " or a list of those, got null",
                "foo.yaml:12: plugins.my.pid.mixed: the items of a list must all be of one type"
                        + " (all strings, all numbers, or all true or false)",
                "foo.yaml:13: plugins.bad.pid: expected a mapping, got 3"), problems(yaml));
    }

    @Test
    void theSectionMustBeAMapping() {
        assertEquals("foo.yaml:5: plugins: expected a mapping, got \"all\"", problem(MINIMAL + "plugins: all\n"));
    }
}
