package dev.cohort.trainer.internal.run;

import dev.cohort.api.engine.GenerationRequest;
import dev.cohort.api.engine.GenerationResult;
import dev.cohort.api.engine.RolloutEngine;
import dev.cohort.api.reward.RewardInput;
import dev.cohort.api.rollout.RolloutBatch;
import dev.cohort.api.rollout.RolloutPublisher;
import dev.cohort.trainer.internal.model.ModelConfig;
import dev.cohort.trainer.internal.objective.Advantages;
import dev.cohort.trainer.internal.reward.RewardColumns;
import dev.cohort.trainer.internal.reward.RewardScoring;
import dev.cohort.trainer.internal.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Makes one scored generation batch: draws the step's prompts, has the engine sample G
 * completions of each, scores them, computes the advantages and publishes the batch to the
 * listeners. Used by the training thread in the synchronous loop and by the producer thread in
 * the asynchronous one (never by both: it holds the prompt source's position and an
 * {@link Advantages} workspace).
 */
final class BatchMaker {

    private final TrainerSettings s;
    private final Tokenizer tok;
    private final PromptSource prompts;
    private final RewardScoring scoring;
    private final RolloutPublisher rollouts;
    private final Advantages advantages;
    private final int[] stopIds;

    BatchMaker(TrainerSettings s, ModelConfig model, Tokenizer tok, PromptSource prompts, RewardScoring scoring,
            RolloutPublisher rollouts) {
        this.s = s;
        this.tok = tok;
        this.prompts = prompts;
        this.scoring = scoring;
        this.rollouts = rollouts;
        this.advantages = new Advantages(s.objective());
        // the model's EOS ids (config.json and generation_config.json) and the tokenizer's, each once
        this.stopIds = IntStream.concat(Arrays.stream(model.eosTokenIds()), IntStream.of(tok.eos())).distinct()
                .toArray();
    }

    PromptSource prompts() {
        return prompts;
    }

    /** The prompts of the batch trained first at {@code step}, sampled by {@code engine} at {@code version}. */
    Rollouts generate(int step, long version, RolloutEngine engine) {
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
        GenerationRequest req = new GenerationRequest(ids, s.numGenerations(), s.maxCompletionLength(),
                s.temperature(), s.topP(), s.topK(), s.minP(), seedFor(step), version, stopIds);
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
        List<float[]> sampling = new ArrayList<>(n);
        boolean[] truncated = new boolean[n];
        for (int i = 0; i < n; i++) {
            GenerationResult.Completion c = res.completions().get(i);
            promptIds.add(ids.get(i / g));
            completionIds.add(c.tokenIds());
            sampling.add(c.logprobs());
            sampleRows.add(rows.get(i / g));
            texts.add(prompts.prompt(rows.get(i / g)));
            completions.add(tok.decode(c.tokenIds()));
            truncated[i] = c.truncated();
        }
        return new Rollouts(promptIds, completionIds, truncated, sampleRows, texts, completions, new double[n],
                new double[n], g, sampling, null, version);
    }

    /**
     * Scores the batch, fills its advantages and totals, publishes it as the batch of
     * {@code step}; returns the reward columns [K][n].
     */
    double[][] score(Rollouts r, int step) throws InterruptedException {
        RewardInput input = RewardInput.of(step, r.prompts(), r.completions(), r.completionIds(), r.rows());
        RewardColumns cols = scoring.score(s.rewards(), input, s.scoring());
        advantages.compute(cols.values(), cols.weights(), r.groupSize(), r.advantages(), r.totals());
        if (rollouts != null) {
            int[] lengths = new int[r.size()];
            for (int i = 0; i < r.size(); i++) {
                lengths[i] = r.completionIds().get(i).length;
            }
            RolloutBatch.Builder b = RolloutBatch.builder().runId(s.runId()).step(step).groupSize(r.groupSize())
                    .prompts(r.prompts()).completions(r.completions()).advantages(r.advantages())
                    .totalRewards(r.totals()).completionTokens(lengths).completionIds(r.completionIds())
                    .truncated(r.truncated()).weightsVersion(r.weightsVersion());
            for (int k = 0; k < cols.functions(); k++) {
                b.reward(cols.names().get(k), cols.values()[k]);
            }
            rollouts.publish(b.build());
        }
        return cols.values();
    }

    /** A different, reproducible sampling seed for every generation batch. */
    private long seedFor(int atStep) {
        long z = s.seed() * 0x9E3779B97F4A7C15L + atStep;
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        return z ^ (z >>> 33);
    }
}
