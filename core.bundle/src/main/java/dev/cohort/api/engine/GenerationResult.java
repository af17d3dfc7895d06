package dev.cohort.api.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The completions of one {@link GenerationRequest}: prompts x n, group-contiguous, each with its
 * token ids, the sampling log-prob of every token and why it ended.
 */
public final class GenerationResult {

    /** One completion. {@code finishReason} is {@code "stop"} (a stop token) or {@code "length"}. */
    public static final class Completion {
        private final int[] tokenIds;
        private final float[] logprobs;
        private final String finishReason;

        public Completion(int[] tokenIds, float[] logprobs, String finishReason) {
            if (tokenIds == null || logprobs == null || tokenIds.length != logprobs.length) {
                throw new IllegalArgumentException("tokenIds and logprobs must have the same length");
            }
            if (!"stop".equals(finishReason) && !"length".equals(finishReason)) {
                throw new IllegalArgumentException("finishReason must be 'stop' or 'length', got " + finishReason);
            }
            this.tokenIds = tokenIds.clone();
            this.logprobs = logprobs.clone();
            this.finishReason = finishReason;
        }

        public int[] tokenIds() {
            return tokenIds.clone();
        }

        public int length() {
            return tokenIds.length;
        }

        public float[] logprobs() {
            return logprobs.clone();
        }

        public String finishReason() {
            return finishReason;
        }

        /** The completion hit max_tokens without a stop token. */
        public boolean truncated() {
            return "length".equals(finishReason);
        }
    }

    private final List<Completion> completions;
    private final long weightsVersion;

    public GenerationResult(List<Completion> completions, long weightsVersion) {
        this.completions = Collections.unmodifiableList(new ArrayList<>(completions));
        this.weightsVersion = weightsVersion;
    }

    /** prompts x n completions, the n completions of prompt 0 first. */
    public List<Completion> completions() {
        return completions;
    }

    /** The policy version that generated them. */
    public long weightsVersion() {
        return weightsVersion;
    }
}
