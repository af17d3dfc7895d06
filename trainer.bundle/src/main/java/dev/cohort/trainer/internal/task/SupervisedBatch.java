package dev.cohort.trainer.internal.task;

import dev.cohort.trainer.internal.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/** Cross-entropy batches for the warm-up: prompt + answer + EOS, scored on the answer and EOS. */
final class SupervisedBatch {

    private SupervisedBatch() {
    }

    /**
     * Fills {@code batch} rows of {@code t} tokens with problems drawn uniformly from
     * {@code problems}; position i's target is token i+1 where that token is an answer digit or
     * the EOS, else -1. Padding is EOS. Returns the number of scored positions.
     */
    static int fill(List<AdditionTask.Problem> problems, SplittableRandom rng, Tokenizer tok, int t, int[] tokens,
            int[] targets, int batch) {
        Arrays.fill(tokens, 0, batch * t, tok.eos());
        Arrays.fill(targets, 0, batch * t, -1);
        int count = 0;
        for (int r = 0; r < batch; r++) {
            AdditionTask.Problem p = problems.get(rng.nextInt(problems.size()));
            int[] prompt = tok.encode(p.prompt());
            int[] answer = tok.encode(p.answer());
            int len = prompt.length + answer.length + 1;
            if (len > t) {
                throw new IllegalArgumentException(p.prompt() + p.answer() + " needs " + len + " > " + t + " tokens");
            }
            int base = r * t;
            System.arraycopy(prompt, 0, tokens, base, prompt.length);
            System.arraycopy(answer, 0, tokens, base + prompt.length, answer.length);
            tokens[base + len - 1] = tok.eos();
            for (int i = prompt.length - 1; i < len - 1; i++) {
                targets[base + i] = tokens[base + i + 1];
                count++;
            }
        }
        return count;
    }
}
