package dev.cohort.trainer.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

/** Test helpers: a minimal valid file, and parsing that must fail. */
final class Yaml {

    /** The four required keys, on lines 1 to 4. */
    static final String MINIMAL = """
            model: tiny
            dataset: builtin:addition
            reward_funcs: [exact]
            max_steps: 10
            """;

    private Yaml() {}

    static RunConfig parse(String yaml) {
        return RunConfigParser.parse(yaml, "foo.yaml");
    }

    /** The minimal file with {@code extra} from line 5 on. */
    static RunConfig parseMinimalWith(String extra) {
        return parse(MINIMAL + extra);
    }

    static List<String> problems(String yaml) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml));
        assertEquals(String.join("\n", e.problems()), e.getMessage());
        return e.problems();
    }

    /** The one problem of {@code yaml}; fails when there are none or several. */
    static String problem(String yaml) {
        List<String> problems = problems(yaml);
        assertEquals(1, problems.size(), () -> "expected one problem, got " + problems);
        return problems.get(0);
    }
}
