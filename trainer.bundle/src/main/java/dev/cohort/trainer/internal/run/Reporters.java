package dev.cohort.trainer.internal.run;

import dev.cohort.api.training.TrainingListener;
import dev.cohort.trainer.internal.config.RunConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/**
 * Checks {@code report_to} before a run starts: every name it gives (but {@code all} and
 * {@code none}) must be a registered training listener's name, such as {@code tensorboard} (the
 * plugin {@code dev.cohort.plugins.tensorboard}). A listener that starts with the runtime may
 * register a moment after the trainer: the check waits up to {@code waitMs} for it.
 */
final class Reporters {

    static final long WAIT_MS = 10_000;

    private Reporters() {
    }

    /** @throws IllegalArgumentException naming the file, the line, the key and what is missing */
    static void check(RunConfig c, BundleContext context, long waitMs) throws InterruptedException {
        long deadline = System.nanoTime() + waitMs * 1_000_000;
        for (String name : c.reportTo()) {
            if (name.equals("all") || name.equals("none")) {
                continue;
            }
            while (!names(context).contains(name)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalArgumentException(where(c) + ": report_to: " + name + ": no training listener"
                            + " of that name is registered (registered: " + names(context) + ")"
                            + (name.equals("tensorboard") ? "; install the tensorboard plugin"
                                    + " (bundle dev.cohort.plugins.tensorboard, plugins/tensorboard)" : "")
                            + " or remove it from report_to; nothing was trained");
                }
                Thread.sleep(100);
            }
        }
    }

    /** The names of the registered training listeners. */
    @SuppressWarnings("deprecation")
    static Set<String> names(BundleContext context) {
        Set<String> names = new TreeSet<>();
        try {
            for (ServiceReference<TrainingListener> r : context.getServiceReferences(TrainingListener.class, null)) {
                Object n = r.getProperty(TrainingListener.LISTENER_NAME);
                Object old = r.getProperty(TrainingListener.NAME);
                if (n != null || old != null) {
                    names.add(String.valueOf(n != null ? n : old));
                }
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        return names;
    }

    /** {@code file:line} of the report_to key, or the file when the line cannot be read. */
    private static String where(RunConfig c) {
        if (c.source() == null) {
            return "report_to";
        }
        try {
            List<String> lines = new ArrayList<>(Files.readAllLines(c.source()));
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).startsWith("report_to:")) {
                    return c.source() + ":" + (i + 1);
                }
            }
        } catch (IOException | RuntimeException e) {
            // the file was read when it was parsed; without it, the message names the file
        }
        return c.source().toString();
    }
}
