package dev.cohort.core.internal.log;

import java.io.PrintStream;
import java.util.Locale;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Prints OSGi Log Service entries at or above a level (WARN by default) to the console, so that
 * every bundle logs one way (the Log Service) and problems are seen where the user types.
 */
@Component(immediate = true, configurationPid = ConsoleLog.PID)
@Designate(ocd = ConsoleLog.Config.class)
public final class ConsoleLog implements LogListener {

    public static final String PID = "dev.cohort.core.console";

    @ObjectClassDefinition(name = "Cohort console log",
            description = "Which OSGi Log Service entries are printed on the console.")
    public @interface Config {
        @AttributeDefinition(description = "Lowest level printed: ERROR, WARN, INFO, DEBUG or TRACE.")
        String level() default "WARN";
    }

    private final LogReaderService reader;
    private final LogLevel threshold;
    private final PrintStream out = System.err;

    @Activate
    public ConsoleLog(@Reference LogReaderService reader, Config config) {
        this.reader = reader;
        this.threshold = parse(config.level());
        reader.addLogListener(this);
    }

    static LogLevel parse(String level) {
        try {
            return LogLevel.valueOf(level.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            System.err.println("[cohort] " + PID + ": level '" + level
                    + "' is not one of ERROR, WARN, INFO, DEBUG, TRACE; using WARN");
            return LogLevel.WARN;
        }
    }

    @Deactivate
    void deactivate() {
        reader.removeLogListener(this);
    }

    @Override
    public void logged(LogEntry entry) {
        if (!threshold.implies(entry.getLogLevel())) {
            return;
        }
        out.println(format(entry));
    }

    static String format(LogEntry entry) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%-5s", entry.getLogLevel().name()));
        sb.append(" [").append(entry.getBundle() != null ? entry.getBundle().getSymbolicName() : "?");
        sb.append("] ").append(entry.getMessage());
        Throwable t = entry.getException();
        if (t != null && entry.getLogLevel() == LogLevel.ERROR) {
            for (StackTraceElement e : t.getStackTrace()) {
                sb.append("\n      at ").append(e);
            }
        }
        return sb.toString();
    }
}
