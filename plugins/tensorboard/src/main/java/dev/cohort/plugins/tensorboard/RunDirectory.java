package dev.cohort.plugins.tensorboard;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/**
 * Where a run's event files go and whether the run wants them. The trainer registers each run's
 * folder ({@code <output_dir>/<run id>}) as a {@code java.nio.file.Path} service with the
 * properties {@code cohort.run.id} and {@code cohort.run.report_to}; a run the trainer did not
 * register (a trace replayed by {@code cohort:replay}, another trainer) gets
 * {@code runs/<run id>} under the runtime's working directory.
 *
 * @param dir the directory of the run's event files
 * @param wanted false when the run's {@code report_to} leaves tensorboard out ({@code none}, or
 *     names that are not {@code tensorboard} or {@code all})
 * @param registered whether the trainer registered the run's folder
 */
record RunDirectory(Path dir, boolean wanted, boolean registered) {

    static final String RUN_ID = "cohort.run.id";
    static final String REPORT_TO = "cohort.run.report_to";
    static final String NAME = "tensorboard";

    /**
     * The directory of {@code runId}'s event files: {@code <logdir>/<run id>} when {@code logdir}
     * is set, else {@code <run folder>/tensorboard}.
     */
    static RunDirectory of(BundleContext context, String runId, String logdir) {
        ServiceReference<Path> ref = find(context, runId);
        Path runFolder = null;
        boolean wanted = true;
        if (ref != null) {
            Path p = context.getService(ref);
            if (p != null) {
                runFolder = p;
                context.ungetService(ref);
            }
            wanted = wants(ref.getProperty(REPORT_TO));
        }
        Path dir = !logdir.isBlank() ? Path.of(logdir).toAbsolutePath().resolve(safe(runId))
                : runFolder != null ? runFolder.resolve(NAME)
                        : Path.of("runs").toAbsolutePath().resolve(safe(runId)).resolve(NAME);
        return new RunDirectory(dir, wanted, runFolder != null);
    }

    /** Whether a report_to list (String[], a collection, or absent: all) includes tensorboard. */
    static boolean wants(Object reportTo) {
        if (reportTo == null) {
            return true;
        }
        List<?> names = reportTo instanceof Object[] a ? Arrays.asList(a)
                : reportTo instanceof Collection<?> c ? List.copyOf(c) : List.of(reportTo);
        return names.contains("all") || names.contains(NAME);
    }

    private static ServiceReference<Path> find(BundleContext context, String runId) {
        try {
            Collection<ServiceReference<Path>> refs = context.getServiceReferences(Path.class,
                    "(" + RUN_ID + "=" + escape(runId) + ")");
            return refs.isEmpty() ? null : refs.iterator().next();
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException("run id " + runId + ": " + e.getMessage(), e);
        }
    }

    /** A run id as a file name: what is not a letter, digit, '.', '_' or '-' becomes '_'. */
    static String safe(String runId) {
        String s = runId.replaceAll("[^A-Za-z0-9._-]", "_");
        return s.isEmpty() || s.startsWith(".") ? "run" + s : s;
    }

    /** An LDAP filter value: \, *, ( and ) escaped. */
    static String escape(String v) {
        return v.replaceAll("([\\\\*()])", "\\\\$1");
    }
}
