package dev.cohort.itests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Config Admin PIDs (of Cohort, {@code dev.cohort.*}) and properties a documentation file
 * names: the keys of YAML {@code plugins:} sections (in code blocks, or a whole .yaml file),
 * "PID `x`, property `y`" in prose, "`pid`: `property`, default; ..." in tables, and
 * {@code <pid>.cfg} file names.
 */
final class DocReferences {

    /** A PID, with a property of it or null, named on a line of a file. */
    record Reference(int line, String pid, String property) {
    }

    private static final Pattern PROSE = Pattern.compile(
            "PID `(dev\\.cohort\\.[^`]+)`(?:,?\\s+propert(?:y|ies)\\s+((?:`[^`]+`(?:,\\s*|\\s+and\\s+)?)+))?");
    private static final Pattern CELL = Pattern.compile("`(dev\\.cohort\\.[^`]+)`:\\s+((?:`[^`]+`[^;|]*(?:;\\s*)?)+)");
    private static final Pattern CFG = Pattern.compile("\\b(dev\\.cohort\\.[a-z0-9.]+?)(?:-[A-Za-z0-9_]+)?\\.cfg\\b");
    private static final Pattern BACKTICKED = Pattern.compile("`([^`]+)`");
    private static final Pattern CELL_PROPERTY = Pattern.compile("(?:^|;\\s*)`([^`]+)`");

    private DocReferences() {
    }

    static List<Reference> find(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        List<Reference> refs = new ArrayList<>();
        boolean yaml = file.toString().endsWith(".yaml");
        boolean fenced = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.strip().startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            if ((yaml || fenced) && line.matches("\\s*plugins:\\s*(#.*)?")) {
                pluginsSection(lines, i, refs);
            } else if (!yaml && !fenced) {
                prose(lines, i, refs);
            }
            Matcher cfg = CFG.matcher(line);
            while (cfg.find()) {
                refs.add(new Reference(i + 1, cfg.group(1), null));
            }
        }
        return refs;
    }

    /** The PIDs (one indent deeper than {@code plugins:}) and their property keys (deeper still). */
    private static void pluginsSection(List<String> lines, int at, List<Reference> refs) {
        int base = indent(lines.get(at));
        int pidIndent = -1;
        String pid = null;
        for (int i = at + 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() || line.strip().startsWith("#")) {
                continue;
            }
            int indent = indent(line);
            if (indent <= base || line.strip().startsWith("```")) {
                return;
            }
            String key = line.strip().split(":", 2)[0].strip();
            if (pidIndent < 0 || indent <= pidIndent) {
                pidIndent = indent;
                pid = key.startsWith("dev.cohort.") ? key : null;
                if (pid != null) {
                    refs.add(new Reference(i + 1, pid, null));
                }
            } else if (pid != null && !key.startsWith("-")) {
                refs.add(new Reference(i + 1, pid, key));
            }
        }
    }

    /** A line with the next one joined, so that "PID `x`,\n property `y`" is read whole. */
    private static void prose(List<String> lines, int at, List<Reference> refs) {
        String text = lines.get(at) + (at + 1 < lines.size() ? " " + lines.get(at + 1).strip() : "");
        int own = lines.get(at).length();
        Matcher m = PROSE.matcher(text);
        while (m.find()) {
            if (m.start() < own) {
                refs.add(new Reference(at + 1, m.group(1), null));
                Matcher props = BACKTICKED.matcher(m.group(2) == null ? "" : m.group(2));
                while (props.find()) {
                    refs.add(new Reference(at + 1, m.group(1), props.group(1)));
                }
            }
        }
        Matcher cell = CELL.matcher(lines.get(at));
        while (cell.find()) {
            Matcher props = CELL_PROPERTY.matcher(cell.group(2));
            while (props.find()) {
                refs.add(new Reference(at + 1, cell.group(1), props.group(1)));
            }
        }
    }

    private static int indent(String line) {
        int n = 0;
        while (n < line.length() && line.charAt(n) == ' ') {
            n++;
        }
        return n;
    }
}
