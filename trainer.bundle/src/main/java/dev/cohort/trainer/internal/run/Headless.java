package dev.cohort.trainer.internal.run;

import dev.cohort.api.training.TrainingMetrics;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.osgi.framework.BundleContext;

/**
 * Non-interactive training ({@code ./cohort train}, {@code ./cohort quickstart}): starts the run
 * of the framework property {@code cohort.train}, prints a progress line per step and the final
 * report on the console and, with {@code cohort.exit}, ends the process: 0 when the run finished,
 * 1 when it failed or could not start (the message says why).
 */
final class Headless {

    private Headless() {
    }

    static void start(RunManager manager, Path config, String resume, boolean exit, BundleContext context) {
        Thread t = new Thread(() -> run(manager, config, resume, exit), "cohort-headless");
        t.setDaemon(true);
        t.start();
    }

    private static void run(RunManager manager, Path config, String resume, boolean exit) {
        CountDownLatch done = new CountDownLatch(1);
        TrainingRun[] result = {null};
        boolean tty = System.console() != null;
        try {
            TrainingRun started = manager.start(config.toAbsolutePath(), resume == null || resume.isBlank() ? null : Path.of(resume).toAbsolutePath(),
                    (TrainingMetrics m) -> {
                        String line = ProgressLine.of("", m).trim();
                        if (tty) {
                            System.out.print("\r" + line + "   ");
                        } else if (m.step() % Math.max(1, m.maxSteps() / 20) == 0 || m.step() == m.maxSteps()) {
                            System.out.println(line);
                        }
                        System.out.flush();
                    }, r -> {
                        result[0] = r;
                        done.countDown();
                    });
            System.out.println("run " + started.id() + ": backend: " + started.backendInfo());
            System.out.println("run " + started.id() + ": " + started.modelInfo());
            if (started.namingNote() != null) {
                System.out.println("run " + started.id() + ": " + started.namingNote());
            }
            System.out.flush();
            done.await();
            if (tty) {
                System.out.println();
            }
            TrainingRun r = result[0];
            System.out.println(r.outcome());
            System.out.flush();
            if (exit) {
                System.exit(r.state() == TrainingRun.State.FINISHED ? 0 : 1);
            }
        } catch (Exception | Error e) {
            // an Error too (a class missing from the bundle, memory): the process must end, saying why
            System.out.println("cohort train: " + (e instanceof Exception && e.getMessage() != null ? e.getMessage()
                    : e.toString()));
            System.out.flush();
            if (exit) {
                System.exit(1);
            }
        }
    }
}
