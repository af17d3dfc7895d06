package dev.cohort.trainer.internal.run;

import java.nio.file.Path;
import java.util.Hashtable;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.osgi.framework.BundleContext;

/**
 * Non-interactive training ({@code ./cohort train}, {@code ./cohort quickstart}): starts the run
 * of the framework property {@code cohort.train}, shows its progress ({@link ConsoleProgress}: a
 * bar on a terminal, a line per logging step otherwise; {@code cohort.progress} = {@code bar} or
 * {@code lines}, which {@code ./cohort} sets, chooses) and prints the final report on the console. With {@code cohort.exit} the process ends with the run: the run is a
 * {@code main.thread} service that bnd's launcher calls on its main thread; when it returns, the
 * launcher stops the framework (every component is deactivated: launched inference workers
 * shut down) and exits with its code: {@value #FINISHED} when the run finished, {@value #FAILED}
 * when it failed or could not start (the message says why), {@value #STOPPED} when it was stopped
 * before max_steps (after a checkpoint; the report says where). SIGINT and SIGTERM stop the
 * framework through {@link ShutdownHook}: the run stops at its next step boundary after a
 * checkpoint, the report is printed, and the JVM exits with 130 (SIGINT) or 143 (SIGTERM).
 */
final class Headless {

    static final int FINISHED = 0;
    static final int FAILED = 1;
    static final int STOPPED = 3;

    private Headless() {
    }

    /**
     * The launcher's main thread body. A class of its own: the launcher requires the service's
     * {@code call} method to be declared as returning Integer (a lambda's is Object).
     */
    private static final class MainThread implements Callable<Integer> {
        private final RunManager manager;
        private final Path config;
        private final String resume;
        private final ConsoleProgress.Mode mode;

        MainThread(RunManager manager, Path config, String resume, ConsoleProgress.Mode mode) {
            this.manager = manager;
            this.config = config;
            this.resume = resume;
            this.mode = mode;
        }

        @Override
        public Integer call() {
            return run(manager, config, resume, mode);
        }
    }

    static void start(RunManager manager, Path config, String resume, boolean exit, BundleContext context) {
        ConsoleProgress.Mode mode = ConsoleProgress.Mode.of(context.getProperty("cohort.progress"),
                System.console() != null);
        Callable<Integer> body = new MainThread(manager, config, resume, mode);
        if (exit) {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put("main.thread", true);
            context.registerService(Callable.class, body, props);
            return;
        }
        Thread t = new Thread(() -> {
            try {
                body.call();
            } catch (Exception e) {
                System.out.println("cohort train: " + e);
            }
        }, "cohort-headless");
        t.setDaemon(true);
        t.start();
    }

    /** Trains, printing progress and the report; returns the exit code. */
    static int run(RunManager manager, Path config, String resume, ConsoleProgress.Mode mode) {
        CountDownLatch done = new CountDownLatch(1);
        int[] code = {FAILED};
        ConsoleProgress console = new ConsoleProgress(System.out, mode, System::nanoTime);
        try {
            TrainingRun started = manager.start(config.toAbsolutePath(),
                    resume == null || resume.isBlank() ? null : Path.of(resume).toAbsolutePath(),
                    console::step, r -> {
                        // printed on the run's thread: when a signal stops the runtime, the
                        // report is out before the framework (and the JVM) ends
                        console.end();
                        System.out.println(r.outcome());
                        System.out.flush();
                        code[0] = exitCode(r.state());
                        done.countDown();
                    });
            System.out.println("run " + started.id() + ": backend: " + started.backendInfo());
            System.out.println("run " + started.id() + ": " + started.modelInfo());
            if (started.namingNote() != null) {
                System.out.println("run " + started.id() + ": " + started.namingNote());
            }
            System.out.flush();
            done.await();
            return code[0];
        } catch (Exception | Error e) {
            // an Error too (a class missing from the bundle, memory): the process must end, saying why
            System.out.println("cohort train: " + (e instanceof Exception && e.getMessage() != null ? e.getMessage()
                    : e.toString()));
            System.out.flush();
            return FAILED;
        }
    }

    static int exitCode(TrainingRun.State state) {
        return switch (state) {
            case FINISHED -> FINISHED;
            case STOPPED -> STOPPED;
            default -> FAILED;
        };
    }

}
