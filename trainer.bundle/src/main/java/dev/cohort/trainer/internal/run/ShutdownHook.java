package dev.cohort.trainer.internal.run;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.launch.Framework;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * Stops the OSGi framework when the JVM shuts down (SIGINT, SIGTERM, {@code System.exit}), so
 * that every component is deactivated before the process ends: active runs stop at their next
 * step boundary after a checkpoint ({@link RunManager}), launched inference workers are shut
 * down. Without it the JVM would end with the framework running and its processes orphaned.
 * Removed when the framework stops on its own.
 */
@Component(service = {}, immediate = true)
public final class ShutdownHook {

    /** Longer than a run's stop wait (RunManager), so that its checkpoint is written. */
    private static final long STOP_WAIT_MS = 150_000;

    private final Thread hook;

    @Activate
    public ShutdownHook(BundleContext context) {
        Bundle system = context.getBundle(org.osgi.framework.Constants.SYSTEM_BUNDLE_ID);
        hook = new Thread(() -> stop(system), "cohort-shutdown-hook");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    @Deactivate
    void deactivate() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running (or about to): it is what stops the framework
        }
    }

    private static void stop(Bundle system) {
        if ((system.getState() & (Bundle.ACTIVE | Bundle.STARTING)) == 0) {
            return;
        }
        System.err.println("cohort: shutting down (signal or exit): stopping the runtime; active runs stop at"
                + " their next step boundary after a checkpoint");
        System.err.flush();
        try {
            system.stop();
            if (system instanceof Framework f) {
                f.waitForStop(STOP_WAIT_MS);
            }
        } catch (BundleException | InterruptedException | RuntimeException e) {
            System.err.println("cohort: the runtime did not stop cleanly: " + e);
        }
    }
}
