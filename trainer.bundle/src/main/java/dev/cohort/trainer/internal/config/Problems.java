package dev.cohort.trainer.internal.config;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Collects the problems of one configuration file and formats them as {@code file:line: text}. */
final class Problems {

    /** Line 0: the problem has no line (a missing key, an empty file). */
    private record Problem(int line, String text) {}

    private final String source;
    private final List<Problem> problems = new ArrayList<>();

    Problems(String source) {
        this.source = source;
    }

    /** A problem with the value of {@code key} (a dotted path for nested keys) on {@code line}. */
    void at(int line, String key, String what) {
        problems.add(new Problem(line, key + ": " + what));
    }

    /** A problem of the file as a whole, on {@code line} (0 for none). */
    void file(int line, String what) {
        problems.add(new Problem(line, what));
    }

    boolean isEmpty() {
        return problems.isEmpty();
    }

    /** Sorted by line, problems without a line last; the sort is stable. */
    List<String> formatted() {
        Comparator<Problem> byLine =
                Comparator.comparingInt(p -> p.line() == 0 ? Integer.MAX_VALUE : p.line());
        return problems.stream().sorted(byLine).map(this::format).toList();
    }

    ConfigException exception() {
        return new ConfigException(formatted());
    }

    private String format(Problem p) {
        return p.line() == 0 ? source + ": " + p.text() : source + ":" + p.line() + ": " + p.text();
    }
}
