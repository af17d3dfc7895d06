package dev.cohort.api.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One generation batch: distinct prompts as token ids, {@code n} completions each, and the
 * sampling parameters (vLLM / TRL names). An immutable value object.
 */
public final class GenerationRequest {

    private final List<int[]> prompts;
    private final int n;
    private final int maxTokens;
    private final float temperature;
    private final float topP;
    private final int topK;
    private final float minP;
    private final long seed;
    private final long weightsVersion;
    private final int[] stopTokenIds;

    public GenerationRequest(List<int[]> prompts, int n, int maxTokens, float temperature, float topP, int topK,
            float minP, long seed, long weightsVersion, int[] stopTokenIds) {
        if (prompts == null || prompts.isEmpty()) {
            throw new IllegalArgumentException("prompts must not be empty");
        }
        if (n < 1 || maxTokens < 1) {
            throw new IllegalArgumentException("n (" + n + ") and max_tokens (" + maxTokens + ") must be >= 1");
        }
        List<int[]> copy = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            int[] p = prompts.get(i);
            if (p == null || p.length == 0) {
                throw new IllegalArgumentException("prompt " + i + " is empty");
            }
            copy.add(p.clone());
        }
        this.prompts = Collections.unmodifiableList(copy);
        this.n = n;
        this.maxTokens = maxTokens;
        this.temperature = temperature;
        this.topP = topP;
        this.topK = topK;
        this.minP = minP;
        this.seed = seed;
        this.weightsVersion = weightsVersion;
        this.stopTokenIds = stopTokenIds == null ? new int[0] : stopTokenIds.clone();
    }

    /** The distinct prompts (token ids); read-only list, arrays are copies made at construction. */
    public List<int[]> prompts() {
        return prompts;
    }

    public int promptCount() {
        return prompts.size();
    }

    /** Completions per prompt (TRL's num_generations). */
    public int n() {
        return n;
    }

    public int maxTokens() {
        return maxTokens;
    }

    public float temperature() {
        return temperature;
    }

    public float topP() {
        return topP;
    }

    /** 0 = off. */
    public int topK() {
        return topK;
    }

    /** 0 = off. */
    public float minP() {
        return minP;
    }

    public long seed() {
        return seed;
    }

    /** The policy version the completions must come from. */
    public long weightsVersion() {
        return weightsVersion;
    }

    /** Token ids that end a completion (included in it), e.g. EOS. */
    public int[] stopTokenIds() {
        return stopTokenIds.clone();
    }
}
