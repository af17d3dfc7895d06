package dev.cohort.trainer.internal.run;

import dev.cohort.api.engine.GenerationRequest;
import dev.cohort.api.engine.GenerationResult;
import dev.cohort.api.engine.RolloutEngine;
import dev.cohort.api.reward.RewardInput;
import dev.cohort.api.rollout.RolloutBatch;
import dev.cohort.api.rollout.RolloutPublisher;
import dev.cohort.api.training.TrainingMetrics;
import dev.cohort.api.training.TrainingPublisher;
import dev.cohort.trainer.internal.metrics.RunRecords;
import dev.cohort.trainer.internal.model.AdamW;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.objective.Advantages;
import dev.cohort.trainer.internal.objective.StepMetricsAccumulator;
import dev.cohort.trainer.internal.reward.RewardColumns;
import dev.cohort.trainer.internal.reward.RewardScoring;
import dev.cohort.trainer.internal.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
 */
final class GrpoTrainer {

    private final TrainerSettings s;
    private final PolicyModel model;
    private final Tokenizer tok;
    private final PromptSource prompts;
    private final RolloutEngine engine;
    private final EmbeddedEngine embedded;
    private final RewardScoring scoring;
    private final RolloutPublisher rollouts;
    private final TrainingPublisher metrics;
    private final AdamW opt;
    private final PolicyUpdate update;
    private final Advantages advantages;
    private final Map<String, Object> config;
    private final Consumer<TrainingMetrics> progress;
    private int step;
    private Rollouts batch;
    private double[][] lastRewards;
    private Path lastCheckpoint;
    private boolean updating;
    /** The checkpoint step a resumed run continues from, until its first step reports it; else -1. */
    private int resumedFrom = -1;
    /** The checkpoint a resumed run continues from, and the log_history it saved. */
    private Path resumeCheckpoint;
    private List<Map<String, Object>> savedHistory = List.of();
    /** The weights version the current batch's completions were sampled with. */
    private long batchVersion;
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
        this.scoring = scoring;
        this.rollouts = rollouts;
        this.metrics = metrics;
        this.config = config;
        this.progress = progress;
        this.opt = new AdamW(model, s.adam());
        this.update = new PolicyUpdate(model, reference, s.objective(), s.temperature(), s.microBatch());
        this.advantages = new Advantages(s.objective());
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
        while (step < s.maxSteps()) {
            boolean boundary = step % s.objective().numIterations() == 0;
            if (boundary && stopRequested.getAsBoolean()) {
                checkpoint();
                return false;
            }
            long position = prompts.position();
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
            prompts.seek(position);
            checkpoint();
            return "the last good step " + step + " was saved to " + lastCheckpoint;
        } catch (IOException | RuntimeException e) {
            return "the last good step " + step + " could not be saved: " + e;
        }
    }

    void checkpoint() throws IOException {
        lastCheckpoint = TrainerState.save(s.runDir(), step, model, tok, opt, prompts.position(), s.runId(),
                s.seed(), config, s.checkpointDtype(model.config().dtype()), hfState());
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

    private void trainStep(boolean generate) throws InterruptedException {
        long t0 = System.nanoTime();
        StepMetricsAccumulator acc = new StepMetricsAccumulator(s.rewards().size());
        double genSeconds = 0;
        double scoreSeconds = 0;
        long generated = 0;
        if (generate) {
            batch = generate();
            long t1 = System.nanoTime();
            genSeconds = (t1 - t0) / 1e9;
            batch = score(batch, acc);
            scoreSeconds = (System.nanoTime() - t1) / 1e9;
            for (int[] c : batch.completionIds()) {
                generated += c.length;
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
        if (resumedFrom >= 0) {
            values.put(RESUMED_FROM_STEP, (double) resumedFrom);
            resumedFrom = -1;
        }
        TrainingMetrics m = new TrainingMetrics(s.runId(), step, s.maxSteps(), values, null);
        if (metrics != null) {
            metrics.publish(m);
        }
        if (records != null) {
            records.step(step, m.time(), epoch(), batchVersion, values);
        }
        progress.accept(m);
    }

    private List<String> names() {
        List<String> names = new ArrayList<>();
        s.rewards().forEach(r -> names.add(r.name()));
        return names;
    }

    private Rollouts generate() {
        List<Map<String, Object>> rows = prompts.next(s.promptsPerStep());
        List<int[]> ids = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            int[] p = tok.encode(prompts.prompt(row));
            if (p.length > s.maxPromptLength()) {
                p = Arrays.copyOfRange(p, p.length - s.maxPromptLength(), p.length);
            }
            if (p.length == 0) {
                throw new IllegalArgumentException("dataset: a prompt encodes to no tokens: '" + prompts.prompt(row) + "'");
            }
            ids.add(p);
        }
        long version = step;
        batchVersion = version;
        if (embedded != null) {
            embedded.advance(version);
        } else if (engine.weightsVersion() != version) {
            syncWeights(version);
        }
        GenerationRequest req = new GenerationRequest(ids, s.numGenerations(), s.maxCompletionLength(),
                s.temperature(), s.topP(), s.topK(), s.minP(), seedFor(step), version, stopIds());
        GenerationResult res = engine.generate(req);
        int g = s.numGenerations();
        int n = ids.size() * g;
        if (res.completions().size() != n) {
            throw new IllegalStateException("rollout engine returned " + res.completions().size()
                    + " completions for " + ids.size() + " prompts x " + g);
        }
        List<int[]> promptIds = new ArrayList<>(n);
        List<int[]> completionIds = new ArrayList<>(n);
        List<Map<String, Object>> sampleRows = new ArrayList<>(n);
        List<String> texts = new ArrayList<>(n);
        List<String> completions = new ArrayList<>(n);
        boolean[] truncated = new boolean[n];
        for (int i = 0; i < n; i++) {
            GenerationResult.Completion c = res.completions().get(i);
            promptIds.add(ids.get(i / g));
            completionIds.add(c.tokenIds());
            sampleRows.add(rows.get(i / g));
            texts.add(prompts.prompt(rows.get(i / g)));
            completions.add(tok.decode(c.tokenIds()));
            truncated[i] = c.truncated();
        }
        return new Rollouts(promptIds, completionIds, truncated, sampleRows, texts, completions, new double[n],
                new double[n], g);
    }

    /** Hands the current weights to a remote engine: a Hugging Face directory (or LoRA adapters) and a version. */
    private void syncWeights(long version) {
        // one directory per version: a worker resynced later never reads files of a newer version
        Path dir = s.runDir().resolve("weights-sync").resolve("v" + version);
        try {
            if (model.adapter() != null) {
                dir = LoraRuns.writeAdapterSync(model, tok, dir.getParent(), version);
            } else {
                dev.cohort.trainer.internal.model.HfCheckpoint.save(model, dir,
                        dev.cohort.trainer.internal.checkpoint.DType.F32);
                dev.cohort.trainer.internal.tokenizer.TokenizerFiles.write(dir, tok);
            }
            engine.loadWeights(dir, version);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("weight sync to the rollout engine failed at version " + version
                    + ": " + e.getMessage(), e);
        }
    }

    /** A different, reproducible sampling seed for every generation batch. */
    /** The model's EOS ids (config.json and generation_config.json) and the tokenizer's, each once. */
    private int[] stopIds() {
        return java.util.stream.IntStream.concat(java.util.Arrays.stream(model.config().eosTokenIds()),
                java.util.stream.IntStream.of(tok.eos())).distinct().toArray();
    }

    private long seedFor(int atStep) {
        long z = s.seed() * 0x9E3779B97F4A7C15L + atStep;
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        return z ^ (z >>> 33);
    }

    private Rollouts score(Rollouts r, StepMetricsAccumulator acc) throws InterruptedException {
        RewardInput input = RewardInput.of(step, r.prompts(), r.completions(), r.completionIds(), r.rows());
        RewardColumns cols = scoring.score(s.rewards(), input, s.scoring());
        advantages.compute(cols.values(), cols.weights(), r.groupSize(), r.advantages(), r.totals());
        lastRewards = cols.values();
        acc.addRewards(cols.values(), r.totals(), r.groupSize());
        int[] lengths = new int[r.size()];
        for (int i = 0; i < r.size(); i++) {
            lengths[i] = r.completionIds().get(i).length;
            acc.addCompletion(lengths[i], r.truncated()[i]);
        }
        if (rollouts != null) {
            RolloutBatch.Builder b = RolloutBatch.builder().runId(s.runId()).step(step).groupSize(r.groupSize())
                    .prompts(r.prompts()).completions(r.completions()).advantages(r.advantages())
                    .totalRewards(r.totals()).completionTokens(lengths).completionIds(r.completionIds())
                    .truncated(r.truncated());
            for (int k = 0; k < cols.functions(); k++) {
                b.reward(cols.names().get(k), cols.values()[k]);
            }
            rollouts.publish(b.build());
        }
        return r;
    }
}
