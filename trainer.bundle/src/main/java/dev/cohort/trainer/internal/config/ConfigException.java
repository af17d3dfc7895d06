package dev.cohort.trainer.internal.config;

import java.util.List;

/**
 * A run configuration that cannot be used. The message lists every problem found, one per line,
 * each as {@code <file>:<line>: <key>: <what is wrong>} (the line is left out where there is none,
 * as for a missing key), in the order of the file.
 */
public final class ConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    /** @param problems one formatted problem per element, at least one */
    public ConfigException(List<String> problems) {
        super(String.join("\n", requireSome(problems)));
        this.problems = List.copyOf(problems);
    }

    /** The problems, one formatted line each, in file order. */
    public List<String> problems() {
        return problems;
    }

    private static List<String> requireSome(List<String> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
        return problems;
    }
}
