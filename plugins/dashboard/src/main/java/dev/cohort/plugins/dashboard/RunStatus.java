package dev.cohort.plugins.dashboard;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A run as the trainer's {@code cohort:runs} shows it (state, ETA, backend, outcome), read from
 * the command's lines; the dashboard falls back to what the metrics tell when a run is not there
 * (the trainer is absent, or the run came from a replayed trace).
 */
record RunStatus(String run, String state, String eta, String backend, String outcome) {

    private static final Pattern LINE = Pattern.compile(
            "^(\\S+)\\s+(\\S+)\\s+step\\s+\\d+/\\d+\\s.*?\\bETA\\s+(\\S+)\\s+backend\\s+(.*?)(?:\\s{2,}(\\S.*))?$");

    /** The runs of a {@code cohort:runs} output by id; lines of another shape are skipped. */
    static Map<String, RunStatus> parse(String text) {
        Map<String, RunStatus> out = new LinkedHashMap<>();
        if (text == null) {
            return out;
        }
        for (String line : text.split("\n")) {
            Matcher m = LINE.matcher(line.stripTrailing());
            if (m.matches()) {
                out.put(m.group(1), new RunStatus(m.group(1), m.group(2), m.group(3), m.group(4).strip(),
                        m.group(5) == null ? "" : m.group(5)));
            }
        }
        return out;
    }
}
