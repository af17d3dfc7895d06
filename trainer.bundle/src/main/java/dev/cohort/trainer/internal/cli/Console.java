package dev.cohort.trainer.internal.cli;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The runtime's interactive console ({@code ./cohort shell}), started only once Cohort's commands
 * are registered, so that the first command typed at the prompt cannot fail with
 * CommandNotFoundException. run.bndrun starts Gogo with {@code gosh.args=--nointeractive} (no
 * console of its own) and sets {@value #PROPERTY}; this component then waits until bnd's
 * launcher has started every bundle ({@code launcher.ready}) and the commands of
 * {@link #REQUIRED} resolve, and runs {@code gosh --login} on the process's terminal: the same
 * shell, which stops the framework when its input ends. Not started for headless training
 * ({@code cohort.train}) or without the property (tests).
 */
@Component(service = {}, immediate = true)
public final class Console {

    static final String PROPERTY = "cohort.console";
    /** Commands of the core and trainer bundles, registered by Declarative Services components. */
    static final List<String> REQUIRED = List.of("gogo:gosh", "cohort:train", "cohort:status", "cohort:listeners");
    private static final long READY_WAIT_MS = 60_000;

    private final BundleContext context;
    private final CommandProcessor processor;
    private volatile CommandSession session;
    private final Thread thread;

    @Activate
    public Console(BundleContext context, @Reference CommandProcessor processor) {
        this.context = context;
        this.processor = processor;
        String train = context.getProperty("cohort.train");
        if (!Boolean.parseBoolean(context.getProperty(PROPERTY)) || train != null && !train.isBlank()) {
            thread = null;
            return;
        }
        thread = new Thread(this::run, "cohort-console");
        thread.start();
    }

    private void run() {
        try {
            CommandSession s = processor.createSession(new FileInputStream(FileDescriptor.in),
                    new FileOutputStream(FileDescriptor.out), new FileOutputStream(FileDescriptor.err));
            session = s;
            awaitReady(s);
            s.execute("gosh --login");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            System.err.println("cohort: the console ended: " + e);
        }
    }

    /** Until the launcher started every bundle and the required commands resolve (bounded). */
    private void awaitReady(CommandSession s) throws InterruptedException, InvalidSyntaxException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_WAIT_MS);
        while (System.nanoTime() < deadline) {
            if (context.getServiceReferences((String) null, "(launcher.ready=true)") != null
                    && REQUIRED.stream().allMatch(c -> s.get(c) != null)) {
                return;
            }
            Thread.sleep(20);
        }
        System.err.println("cohort: not every command was registered within " + READY_WAIT_MS / 1000
                + " s (waiting for " + REQUIRED + "); starting the shell anyway");
    }

    @Deactivate
    void deactivate() {
        if (thread != null) {
            thread.interrupt();
        }
        CommandSession s = session;
        if (s != null) {
            s.close();
        }
    }
}
