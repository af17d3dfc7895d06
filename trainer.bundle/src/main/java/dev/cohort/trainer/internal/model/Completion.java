package dev.cohort.trainer.internal.model;

/**
 * One sampled completion: its token ids (the EOS token included when it ended on one), the
 * log-prob of each token under the sampling distribution (temperature applied, before top-k/p
 * filtering) and at temperature 1, and why it ended.
 */
public record Completion(int[] tokens, float[] logprobs, float[] logprobsT1, Finish finish) {

    public enum Finish { EOS, LENGTH }

    public boolean truncated() {
        return finish == Finish.LENGTH;
    }
}
