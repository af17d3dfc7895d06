package dev.cohort.trainer.internal.run;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * Tells plugins where each run writes: every run of this runtime is a service of type
 * {@code java.nio.file.Path} (its folder, {@code <output_dir>/<run id>}) with the properties
 * {@value #RUN_ID} and {@value #REPORT_TO} (its {@code report_to}, a String[]). A plugin finds a
 * run's folder with the filter {@code (cohort.run.id=<id>)}; the tensorboard plugin writes under it.
 * A run's service stays registered while the trainer runs (a listener may be behind the run), and
 * is replaced when the run is resumed.
 */
final class RunFolders {

    static final String RUN_ID = "cohort.run.id";
    static final String REPORT_TO = "cohort.run.report_to";

    private final BundleContext context;
    private final Map<String, ServiceRegistration<Path>> registered = new HashMap<>();

    RunFolders(BundleContext context) {
        this.context = context;
    }

    synchronized void publish(String runId, Path dir, List<String> reportTo) {
        unregister(registered.remove(runId));
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(RUN_ID, runId);
        props.put(REPORT_TO, reportTo.toArray(new String[0]));
        registered.put(runId, context.registerService(Path.class, dir.toAbsolutePath(), props));
    }

    synchronized void close() {
        registered.values().forEach(RunFolders::unregister);
        registered.clear();
    }

    private static void unregister(ServiceRegistration<Path> r) {
        if (r == null) {
            return;
        }
        try {
            r.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the bundle is stopping: the framework unregisters it
        }
    }
}
