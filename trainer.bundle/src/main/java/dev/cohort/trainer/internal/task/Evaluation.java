package dev.cohort.trainer.internal.task;

import dev.cohort.trainer.internal.model.Completion;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.model.Sampler;
import dev.cohort.trainer.internal.model.SamplingParams;
import dev.cohort.trainer.internal.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Greedy accuracy of a model on rows {"prompt", "answer"}: each prompt is decoded greedily with
 * the {@link Sampler} for up to {@code maxNewTokens} tokens (stopping at EOS), the completion is
 * decoded to text (EOS dropped) and graded as the {@code accuracy} reward grades it
 * ({@link Grading}); the result is the mean reward in [0, 1].
 */
public final class Evaluation {

    /** Enough for the addition task: three answer digits and EOS. */
    public static final int MAX_NEW_TOKENS = AdditionTask.MAX_ANSWER_TOKENS + 1;
    /** Prompts decoded together (bounds the KV cache). */
    static final int CHUNK = 512;

    private Evaluation() {
    }

    /** Mean greedy reward over the rows (0 for no rows). */
    public static double accuracy(PolicyModel model, Tokenizer tokenizer, List<Map<String, Object>> rows,
            int maxNewTokens) {
        if (rows.isEmpty()) {
            return 0;
        }
        double sum = 0;
        try (Sampler sampler = new Sampler(model)) {
            for (int from = 0; from < rows.size(); from += CHUNK) {
                List<Map<String, Object>> chunk = rows.subList(from, Math.min(rows.size(), from + CHUNK));
                List<int[]> prompts = new ArrayList<>(chunk.size());
                for (Map<String, Object> row : chunk) {
                    prompts.add(tokenizer.encode(row.get("prompt").toString()));
                }
                List<Completion> out = sampler.generate(prompts, SamplingParams.greedy(maxNewTokens), tokenizer.eos());
                for (int i = 0; i < chunk.size(); i++) {
                    sum += Grading.grade(tokenizer.decode(out.get(i).tokens()), chunk.get(i).get("answer"));
                }
            }
        }
        return sum / rows.size();
    }

    /** {@link #accuracy(PolicyModel, Tokenizer, List, int)} with {@link #MAX_NEW_TOKENS}. */
    public static double accuracy(PolicyModel model, Tokenizer tokenizer, List<Map<String, Object>> rows) {
        return accuracy(model, tokenizer, rows, MAX_NEW_TOKENS);
    }
}
