package dev.cohort.trainer.internal.run;

import dev.cohort.api.engine.RolloutEngine;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;

/** The body of a run's thread: plugins, held-out evaluation, training, report. */
final class RunExecution implements Runnable {

    private final TrainingRun run;
    private final PreparedRun p;
    private final RunManager manager;
    private final StepProgress progress;
    private final Consumer<TrainingRun> onDone;

    RunExecution(TrainingRun run, PreparedRun p, RunManager manager, StepProgress progress,
            Consumer<TrainingRun> onDone) {
        this.run = run;
        this.p = p;
        this.manager = manager;
        this.progress = progress;
        this.onDone = onDone;
    }

    @Override
    public void run() {
        long t0 = System.nanoTime();
        EmbeddedEngine embedded = null;
        try (PreparedRun prepared = p) {
            if (run.state() == TrainingRun.State.PREPARING) {
                run.state(TrainingRun.State.RUNNING);
            }
            manager.configurePlugins(prepared.plugins());
            RolloutEngine engine;
            if (prepared.embedded()) {
                embedded = new EmbeddedEngine(prepared.model());
                engine = embedded;
            } else {
                engine = manager.engine(prepared.engineName());
            }
            TrainerSettings s = prepared.settings();
            Evaluator eval = prepared.evalRows().isEmpty() ? null : new Evaluator(prepared.model(), prepared.tok(),
                    manager.scoring(), s.rewards(), s.scoring(), prepared.evalPrompts()::prompt, s.maxPromptLength(),
                    s.maxCompletionLength());
            double before = eval == null ? Double.NaN : eval.meanReward(prepared.evalRows());
            GrpoTrainer trainer = new GrpoTrainer(s, prepared.model(), prepared.reference(), prepared.tok(),
                    prepared.prompts(), engine, manager.scoring(), manager.rollouts(), manager.metrics(),
                    prepared.config(), m -> {
                        run.progress(m);
                        boolean logged = m.step() % s.loggingSteps() == 0;
                        if (logged) {
                            manager.logger().info(ProgressLine.of(run.id(), m));
                        }
                        progress.step(m, logged);
                    });
            if (prepared.resumeFrom() != null) {
                trainer.resume(prepared.resumeFrom(), TrainerState.read(prepared.resumeFrom()));
            }
            boolean finished = trainer.run(run::stopRequested);
            double after = eval == null ? Double.NaN : eval.meanReward(prepared.evalRows());
            String took = TrainingRun.format(Duration.ofNanos(System.nanoTime() - t0));
            StringBuilder report = new StringBuilder();
            report.append(String.format(Locale.ROOT, "run %s %s at step %d of %d in %s%n", run.id(),
                    finished ? "finished" : "stopped", trainer.step(), s.maxSteps(), took));
            if (eval != null) {
                report.append(String.format(Locale.ROOT, "held-out reward: before=%.3f after=%.3f%n", before, after));
            }
            report.append("backend: ").append(prepared.backendInfo()).append('\n');
            report.append("checkpoint: ").append(trainer.lastCheckpoint()).append('\n');
            java.nio.file.Path traces = manager.traceFile(run.id());
            if (traces != null) {
                report.append("traces: ").append(traces).append('\n');
            }
            run.outcome(report.toString().trim());
            run.state(finished ? TrainingRun.State.FINISHED : TrainingRun.State.STOPPED);
            if (finished || onDone != null) {
                manager.logger().info("{}", run.outcome());
            } else {
                // a run of the shell stopped early: where its checkpoint is, on the console
                manager.logger().warn("{}", run.outcome());
            }
        } catch (Throwable t) {
            run.outcome("failed: " + (t.getMessage() != null ? t.getMessage() : t.toString()));
            run.state(TrainingRun.State.FAILED);
            manager.logger().error("run {} failed: {}", run.id(), t.toString(), t);
        } finally {
            if (embedded != null) {
                embedded.close();
            }
            // listeners that register from now on are not replayed this run's batches
            manager.rollouts().endRun(run.id());
            manager.metrics().endRun(run.id());
            if (onDone != null) {
                onDone.accept(run);
            }
        }
    }
}
