package dev.cohort.itests;

import dev.cohort.itests.MetatypeCatalog.Pid;
import dev.cohort.itests.MetatypeCatalog.Property;
import java.util.Map;

/** The reference table of docs/configuration.md, rendered from the bundles' Metatype. */
final class PidTable {

    private PidTable() {
    }

    static String render(Map<String, Pid> pids) {
        StringBuilder out = new StringBuilder();
        out.append("| PID | bundle | property | type | default | meaning |\n");
        out.append("|---|---|---|---|---|---|\n");
        for (Pid pid : pids.values()) {
            String name = pid.factory() ? "`" + pid.pid() + "~NAME` (factory)" : "`" + pid.pid() + "`";
            for (Property p : pid.properties()) {
                out.append("| ").append(name).append(" | `").append(pid.bundle()).append("` | `").append(p.id())
                        .append("` | ").append(p.typeName()).append(" | ")
                        .append(p.defaultValue().isEmpty() ? "" : "`" + unescape(p.defaultValue()).replace("|", "\\|") + "`")
                        .append(" | ").append(p.description().replace("|", "\\|")).append(" |\n");
            }
        }
        return out.toString();
    }

    /** Metatype defaults escape ',' and '\\' with a backslash; the table shows the value. */
    static String unescape(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length()) {
                c = value.charAt(++i);
            }
            out.append(c);
        }
        return out.toString();
    }
}
