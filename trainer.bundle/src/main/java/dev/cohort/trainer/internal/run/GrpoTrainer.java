package dev.cohort.trainer.internal.run;

import dev.cohort.api.engine.RolloutEngine;
import dev.cohort.api.rollout.RolloutPublisher;
import dev.cohort.api.training.TrainingMetrics;
import dev.cohort.api.training.TrainingPublisher;
import dev.cohort.trainer.internal.metrics.RunRecords;
import dev.cohort.trainer.internal.model.AdamW;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.objective.StepMetricsAccumulator;
import dev.cohort.trainer.internal.reward.RewardScoring;
import dev.cohort.trainer.internal.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The GRPO loop. Every {@code num_iterations} optimizer steps it takes P prompts, has the rollout
 * engine sample G completions each, scores them with the configured reward functions, computes
 * advantages and publishes the scored batch; every optimizer step it computes the loss and
 * gradients over that batch and updates the policy with AdamW, then publishes the step's
 * metrics. Checkpoints every save_steps and at the end; a stop request ends the run at the next
 * generation boundary after a checkpoint. The run's folder also gets the resolved configuration
 * and a line of metrics per logging step ({@link RunRecords}), whose log_history checkpoints keep.
 *
 * <p>With {@code async_prefetch} the batches come from a {@link Prefetcher}: a producer thread
 * makes, scores and publishes them ahead against the weights the trainer hands over every
 * {@code weight_sync_steps} steps ({@link AsyncProduction}); the loop takes them in order, and a
 * checkpoint records the batches in flight and resumes from the first of them.
 */
final class GrpoTrainer {

    private final TrainerSettings s;
    private final PolicyModel model;
    private final Tokenizer tok;
    private final PromptSource prompts;
    private final RolloutEngine engine;
    private final EmbeddedEngine embedded;
    private final TrainingPublisher metrics;
    private final AdamW opt;
    private final PolicyUpdate update;
    private final BatchMaker maker;
    private final Map<String, Object> config;
    private final Consumer<TrainingMetrics> progress;
    private int step;
    private Rollouts batch;
    private double[][] lastRewards;
    private Path lastCheckpoint;
    private boolean updating;
    private AsyncProduction production;
    /** The remote engine's weight-sync directories, deleted once no longer read. */
    private final SyncDirectories syncDirs;
    private Prefetcher prefetcher;
    /** The checkpoint step a resumed run continues from, until its first step reports it; else -1. */
    private int resumedFrom = -1;
    /** The checkpoint a resumed run continues from, and the log_history it saved. */
    private Path resumeCheckpoint;
    private List<Map<String, Object>> savedHistory = List.of();
    private RunRecords records;

    /** The metric of a resumed run's first step: the step of the checkpoint it continued from. */
    static final String RESUMED_FROM_STEP = "resumed_from_step";

    GrpoTrainer(TrainerSettings s, PolicyModel model, PolicyModel reference, Tokenizer tok, PromptSource prompts,
            RolloutEngine engine, RewardScoring scoring, RolloutPublisher rollouts, TrainingPublisher metrics,
            Map<String, Object> config, Consumer<TrainingMetrics> progress) {
        this.s = s;
        this.model = model;
        this.tok = tok;
        this.prompts = prompts;
        this.engine = engine;
        this.embedded = engine instanceof EmbeddedEngine ? (EmbeddedEngine) engine : null;
        this.metrics = metrics;
        this.config = config;
        this.progress = progress;
        this.opt = new AdamW(model, s.adam());
        this.update = new PolicyUpdate(model, reference, s.objective(), s.temperature(), s.microBatch(),
                s.offPolicy(), embedded == null);
        this.maker = new BatchMaker(s, model.config(), tok, prompts, scoring, rollouts);
        this.syncDirs = new SyncDirectories(AsyncProduction.pipelined(s, embedded == null ? engine : null));
    }

    /** Continues a run from a checkpoint: optimizer moments, step and data position. */
    void resume(Path checkpoint, TrainerState.Saved saved) throws IOException {
        TrainerState.restoreOptimizer(checkpoint, model, opt, saved.optimizerStep());
        prompts.seek(saved.dataPosition());
        step = saved.step();
        resumedFrom = saved.step();
        resumeCheckpoint = checkpoint;
        savedHistory = saved.logHistory();
    }

    int step() {
        return step;
    }

    Path lastCheckpoint() {
        return lastCheckpoint;
    }

    /**
     * Runs until max_steps or a stop request; returns true when max_steps was reached. A step that
     * fails ends the run with a {@link StepFailure} after a checkpoint of the last good step, when
     * the weights are still those of that step.
     */
    boolean run(BooleanSupplier stopRequested) throws IOException, StepFailure {
        Map<String, Object> resolved = new LinkedHashMap<>(config);
        if (resolved.containsKey("run_name")) {
            resolved.put("run_name", s.runId()); // the id it got: a taken name became <name>-2
        }
        try (RunRecords r = RunRecords.start(s.runDir(), resolved, s.loggingSteps(), resumeCheckpoint, step,
                savedHistory)) {
            records = r;
            return train(stopRequested);
        } finally {
            records = null;
        }
    }

    private boolean train(BooleanSupplier stopRequested) throws IOException, StepFailure {
        if (s.async().enabled()) {
            startProducer();
        }
        try {
            return loop(stopRequested);
        } finally {
            stopProducer();
        }
    }

    /**
     * The asynchronous mode: the producer gets a copy of the weights now (version = step) and
     * makes the batches from the one trained first at this step on.
     */
    private void startProducer() {
        production = new AsyncProduction(s, maker, model, embedded == null ? engine : null, tok, syncDirs);
        production.stage(model, step);
        int iterations = s.objective().numIterations();
        int batches = (s.maxSteps() + iterations - 1) / iterations;
        prefetcher = new Prefetcher(s.async(), iterations, step / iterations, batches, step, production, s.runId());
        production.attach(prefetcher);
        prefetcher.start();
    }

    /** Ends the producer thread (after the batch it is making) and frees its copy of the model. */
    private void stopProducer() {
        if (prefetcher == null) {
            return;
        }
        try {
            prefetcher.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            production.close();
            prefetcher = null;
        }
    }

    private boolean loop(BooleanSupplier stopRequested) throws IOException, StepFailure {
        while (step < s.maxSteps()) {
            boolean boundary = step % s.objective().numIterations() == 0;
            if (boundary && stopRequested.getAsBoolean()) {
                checkpoint();
                return false;
            }
            long position = prefetcher != null ? prefetcher.resumePosition() : prompts.position();
            try {
                if (Thread.interrupted()) {
                    throw new InterruptedException("run " + s.runId() + " interrupted at step " + step);
                }
                trainStep(boundary);
            } catch (Exception | Error e) {
                throw new StepFailure(step + 1, e, saveLastGoodStep(position));
            }
            if (s.saveSteps() > 0 && step % s.saveSteps() == 0 && step < s.maxSteps()) {
                checkpoint();
            }
        }
        checkpoint();
        return true;
    }

    /**
     * After a failed step: a checkpoint of the last completed step, unless the optimizer had
     * begun to change the weights, the step is inside a num_iterations group (a resume could not
     * continue it exactly), or it is already saved; says which.
     */
    private String saveLastGoodStep(long position) {
        if (updating) {
            return "no checkpoint: the step failed while the optimizer was updating the weights";
        }
        if (step == 0) {
            return "no checkpoint: no step had completed";
        }
        if (step % s.objective().numIterations() != 0) {
            return "no checkpoint: step " + step + " is inside a num_iterations group"
                    + (lastCheckpoint == null ? "" : "; the last checkpoint is " + lastCheckpoint);
        }
        if (lastCheckpoint != null && lastCheckpoint.getFileName().toString().equals("checkpoint-" + step)) {
            return "the last good step " + step + " is saved in " + lastCheckpoint;
        }
        try {
            if (prefetcher != null) {
                stopProducer(); // the producer is past this position; the checkpoint says where to resume
                checkpoint(position, java.util.List.of());
            } else {
                prompts.seek(position);
                checkpoint();
            }
            return "the last good step " + step + " was saved to " + lastCheckpoint;
        } catch (IOException | RuntimeException e) {
            return "the last good step " + step + " could not be saved: " + e;
        }
    }

    void checkpoint() throws IOException {
        if (prefetcher != null) {
            checkpoint(prefetcher.resumePosition(), prefetcher.inFlight());
        } else {
            lastCheckpoint = TrainerState.save(s.runDir(), step, model, tok, opt, prompts.position(), s.runId(),
                    s.seed(), config, s.checkpointDtype(model.config().dtype()), hfState());
        }
    }

    /** The fields of Hugging Face's TrainerState that tools read, with the log_history up to this step. */
    private Map<String, Object> hfState() {
        Map<String, Object> hf = new LinkedHashMap<>();
        hf.put("global_step", step);
        hf.put("epoch", epoch());
        hf.put("max_steps", s.maxSteps());
        hf.put("logging_steps", s.loggingSteps());
        hf.put("save_steps", s.saveSteps());
        hf.put("train_batch_size", s.microBatch());
        hf.put("log_history", records == null ? List.of() : records.logHistory(step));
        return hf;
    }

    /** Epochs over the training prompts so far (prompts taken / rows), as the Trainer's fractional epoch. */
    private double epoch() {
        return (double) prompts.position() / prompts.size();
    }

    /**
     * An asynchronous run's checkpoint: the data position is where the first batch not yet
     * trained begins, and the batches in flight are recorded (a resume makes them again).
     */
    private void checkpoint(long dataPosition, List<Prefetcher.InFlight> inFlight) throws IOException {
        List<Map<String, Object>> flights = new ArrayList<>();
        for (Prefetcher.InFlight f : inFlight) {
            flights.add(Map.of("step", f.step(), "weights_version", f.weightsVersion(), "data_position",
                    f.dataPosition()));
        }
        Map<String, Object> async = new LinkedHashMap<>();
        async.put("weights_version", (long) step);
        async.put("in_flight", flights);
        lastCheckpoint = TrainerState.save(s.runDir(), step, model, tok, opt, dataPosition, s.runId(), s.seed(),
                config, s.checkpointDtype(model.config().dtype()), hfState(), async);
    }

    private void trainStep(boolean generate) throws InterruptedException {
        long t0 = System.nanoTime();
        StepMetricsAccumulator acc = new StepMetricsAccumulator(s.rewards().size());
        double genSeconds = 0;
        double scoreSeconds = 0;
        long generated = 0;
        Map<String, Double> asyncValues = Map.of();
        if (generate) {
            if (prefetcher != null) {
                Prefetcher.Taken taken = prefetcher.take(step);
                batch = taken.batch().rollouts();
                lastRewards = taken.batch().rewards();
                genSeconds = taken.batch().generationSeconds();
                scoreSeconds = taken.batch().scoringSeconds();
                asyncValues = asyncValues(taken);
            } else {
                advanceEngine(step);
                batch = maker.generate(step, step, engine);
                long t1 = System.nanoTime();
                genSeconds = (t1 - t0) / 1e9;
                lastRewards = maker.score(batch, step);
                scoreSeconds = (System.nanoTime() - t1) / 1e9;
            }
            acc.addRewards(lastRewards, batch.totals(), batch.groupSize());
            for (int i = 0; i < batch.size(); i++) {
                acc.addCompletion(batch.completionIds().get(i).length, batch.truncated()[i]);
                generated += batch.completionIds().get(i).length;
            }
            update.reset(batch);
        } else {
            acc.addRewards(lastRewards, batch.totals(), batch.groupSize());
            for (int i = 0; i < batch.size(); i++) {
                acc.addCompletion(batch.completionIds().get(i).length, batch.truncated()[i]);
            }
        }
        long t2 = System.nanoTime();
        model.zeroGrads();
        double loss = update.accumulate(batch, acc);
        double lr = s.schedule().lr(opt.step());
        updating = true;
        double gradNorm = opt.update(lr);
        step++;
        updating = false;
        if (prefetcher != null && step % s.async().syncSteps() == 0 && step < s.maxSteps()) {
            production.stage(model, step);
            prefetcher.published(step);
        }
        double updateSeconds = (System.nanoTime() - t2) / 1e9;
        double stepSeconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Double> values = new LinkedHashMap<>(acc.snapshot().toMap(names()));
        values.put("loss", loss);
        values.put("grad_norm", gradNorm);
        values.put("learning_rate", lr);
        values.put("entropy", update.entropyTokens == 0 ? Double.NaN : update.entropySum / update.entropyTokens);
        values.put("tokens_per_second", generated / stepSeconds);
        values.put("time/generation", genSeconds);
        values.put("time/scoring", scoreSeconds);
        values.put("time/update", updateSeconds);
        values.put("time/step", stepSeconds);
        values.putAll(update.offPolicyMetrics());
        values.putAll(asyncValues);
        if (resumedFrom >= 0) {
            values.put(RESUMED_FROM_STEP, (double) resumedFrom);
            resumedFrom = -1;
        }
        TrainingMetrics m = new TrainingMetrics(s.runId(), step, s.maxSteps(), values, null);
        if (metrics != null) {
            metrics.publish(m);
        }
        if (records != null) {
            records.step(step, m.time(), epoch(), batch.weightsVersion(), values);
        }
        progress.accept(m);
    }

    private List<String> names() {
        List<String> names = new ArrayList<>();
        s.rewards().forEach(r -> names.add(r.name()));
        return names;
    }

    /**
     * Brings the engine to the weights of {@code version}: the embedded engine only moves its
     * version (they are the trainer's), a remote one gets them written out and loaded.
     */
    private void advanceEngine(long version) {
        if (embedded != null) {
            embedded.advance(version);
        } else if (engine.weightsVersion() != version) {
            syncDirs.loaded(version, WeightSync.toEngine(model, tok, s.runDir(), engine, version));
        }
    }

    /** The batch's staleness and version, the batches in flight and the idle times, as step metrics. */
    private Map<String, Double> asyncValues(Prefetcher.Taken taken) {
        long version = taken.batch().rollouts().weightsVersion();
        if (step - version > s.async().maxStaleness()) {
            throw new IllegalStateException("the batch of step " + step + " was generated with weights version "
                    + version + ", more than max_staleness " + s.async().maxStaleness() + " behind");
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("async/weights_version", (double) version);
        m.put("async/staleness", (double) (step - version));
        m.put("async/in_flight", (double) taken.inFlight());
        m.put("time/trainer_idle", taken.idleSeconds());
        m.put("time/producer_idle", prefetcher.producerIdleSeconds());
        return m;
    }
}
