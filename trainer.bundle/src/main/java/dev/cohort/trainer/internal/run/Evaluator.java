package dev.cohort.trainer.internal.run;

import dev.cohort.api.reward.RewardInput;
import dev.cohort.trainer.internal.model.Completion;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.model.Sampler;
import dev.cohort.trainer.internal.model.SamplingParams;
import dev.cohort.trainer.internal.reward.RewardColumns;
import dev.cohort.trainer.internal.reward.RewardScoring;
import dev.cohort.trainer.internal.reward.RewardSpec;
import dev.cohort.trainer.internal.reward.ScoringPolicy;
import dev.cohort.trainer.internal.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Held-out evaluation: greedy completions of prompts the run never trains on, scored with the
 * run's reward functions and weights; the result is the mean total reward (samples without any
 * reward left out).
 */
final class Evaluator {

    private final PolicyModel model;
    private final Tokenizer tok;
    private final RewardScoring scoring;
    private final List<RewardSpec> rewards;
    private final ScoringPolicy policy;
    private final Function<Map<String, Object>, String> promptOf;
    private final int maxPromptLength;
    private final int maxNewTokens;

    Evaluator(PolicyModel model, Tokenizer tok, RewardScoring scoring, List<RewardSpec> rewards, ScoringPolicy policy,
            Function<Map<String, Object>, String> promptOf, int maxPromptLength, int maxNewTokens) {
        this.model = model;
        this.tok = tok;
        this.scoring = scoring;
        this.rewards = rewards;
        this.policy = policy;
        this.promptOf = promptOf;
        this.maxPromptLength = maxPromptLength;
        this.maxNewTokens = maxNewTokens;
    }

    double meanReward(List<Map<String, Object>> rows) throws InterruptedException {
        double sum = 0;
        int n = 0;
        try (Sampler sampler = new Sampler(model)) {
            for (int from = 0; from < rows.size(); from += 64) {
                List<Map<String, Object>> chunk = rows.subList(from, Math.min(rows.size(), from + 64));
                List<int[]> ids = new ArrayList<>();
                List<String> prompts = new ArrayList<>();
                for (Map<String, Object> row : chunk) {
                    String p = promptOf.apply(row);
                    int[] t = tok.encode(p);
                    ids.add(t.length > maxPromptLength ? Arrays.copyOfRange(t, t.length - maxPromptLength, t.length) : t);
                    prompts.add(p);
                }
                List<Completion> out = sampler.generate(ids, SamplingParams.greedy(maxNewTokens), tok.eos());
                List<String> texts = new ArrayList<>();
                List<int[]> completionIds = new ArrayList<>();
                for (Completion c : out) {
                    texts.add(tok.decode(c.tokens()));
                    completionIds.add(c.tokens());
                }
                RewardColumns cols = scoring.score(rewards, RewardInput.of(0, prompts, texts, completionIds, chunk), policy);
                for (int i = 0; i < chunk.size(); i++) {
                    double total = 0;
                    boolean any = false;
                    for (int k = 0; k < cols.functions(); k++) {
                        double v = cols.values()[k][i];
                        if (!Double.isNaN(v)) {
                            total += cols.weights()[k] * v;
                            any = true;
                        }
                    }
                    if (any) {
                        sum += total;
                        n++;
                    }
                }
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }
}
