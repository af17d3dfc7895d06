package dev.cohort.api.rollout;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The scored rollouts of one GRPO step: an immutable value object.
 *
 * <p>Samples are group-contiguous: sample {@code i} belongs to group {@code i / groupSize()} and
 * each prompt repeats {@code groupSize()} times. Every per-sample sequence has {@link #size()}
 * elements. Rewards map each reward function's name, in configuration order, to one value per
 * sample; {@code NaN} means the function gave no reward for that sample.
 *
 * <p>Array accessors return copies; list and map accessors return read-only views. Build instances
 * with {@link #builder()}; construction checks every length and throws
 * {@link IllegalArgumentException} naming the field and both sizes.
 */
public final class RolloutBatch {

    private final String runId;
    private final long step;
    private final int groupSize;
    private final List<String> prompts;
    private final List<String> completions;
    private final Map<String, double[]> rewards;
    private final double[] advantages;
    private final double[] totalRewards;
    private final int[] completionTokens;
    private final List<int[]> completionIds;
    private final boolean[] truncated;
    private final Instant scoredAt;
    private final long weightsVersion;

    private RolloutBatch(Builder b) {
        this.runId = require(b.runId, "runId");
        if (b.step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + b.step);
        }
        this.step = b.step;
        this.prompts = List.copyOf(require(b.prompts, "prompts"));
        int n = prompts.size();
        if (b.groupSize < 1) {
            throw new IllegalArgumentException("groupSize must be >= 1, got " + b.groupSize);
        }
        if (n % b.groupSize != 0) {
            throw new IllegalArgumentException("groupSize " + b.groupSize
                    + " does not divide the number of samples " + n + " (prompts)");
        }
        this.groupSize = b.groupSize;
        this.completions = List.copyOf(require(b.completions, "completions"));
        checkSize("completions", completions.size(), n);
        LinkedHashMap<String, double[]> r = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : b.rewards.entrySet()) {
            double[] v = require(e.getValue(), "rewards[" + e.getKey() + "]");
            checkSize("rewards[" + e.getKey() + "]", v.length, n);
            r.put(e.getKey(), v.clone());
        }
        this.rewards = Collections.unmodifiableMap(r);
        this.advantages = require(b.advantages, "advantages").clone();
        checkSize("advantages", advantages.length, n);
        this.totalRewards = b.totalRewards != null ? b.totalRewards.clone() : sumRewards(r, n);
        checkSize("totalRewards", totalRewards.length, n);
        this.completionTokens = require(b.completionTokens, "completionTokens").clone();
        checkSize("completionTokens", completionTokens.length, n);
        this.completionIds = ids(b.completionIds, completionTokens);
        this.truncated = require(b.truncated, "truncated").clone();
        checkSize("truncated", truncated.length, n);
        this.scoredAt = b.scoredAt != null ? b.scoredAt : Instant.now();
        if (b.weightsVersion < -1) {
            throw new IllegalArgumentException("weightsVersion must be >= 0, or -1 when unknown, got "
                    + b.weightsVersion);
        }
        this.weightsVersion = b.weightsVersion;
    }

    private static <T> T require(T value, String field) {
        if (value == null) {
            throw new IllegalArgumentException(field + " is required");
        }
        return value;
    }

    /** Copies of the token ids; each sample's count must equal its completionTokens. */
    private static List<int[]> ids(List<int[]> given, int[] counts) {
        if (given == null) {
            return List.of();
        }
        checkSize("completionIds", given.size(), counts.length);
        List<int[]> out = new ArrayList<>(given.size());
        for (int i = 0; i < counts.length; i++) {
            int[] ids = require(given.get(i), "completionIds[" + i + "]");
            if (ids.length != counts[i]) {
                throw new IllegalArgumentException("completionIds[" + i + "] has " + ids.length
                        + " ids but completionTokens[" + i + "] is " + counts[i]);
            }
            out.add(ids.clone());
        }
        return Collections.unmodifiableList(out);
    }

    private static void checkSize(String field, int actual, int samples) {
        if (actual != samples) {
            throw new IllegalArgumentException(field + " has " + actual
                    + " elements but prompts has " + samples);
        }
    }

    /** Weighted sum is the trainer's business; the default total is the NaN-skipping sum. */
    private static double[] sumRewards(Map<String, double[]> rewards, int n) {
        double[] total = new double[n];
        for (int i = 0; i < n; i++) {
            double sum = 0;
            boolean any = false;
            for (double[] column : rewards.values()) {
                if (!Double.isNaN(column[i])) {
                    sum += column[i];
                    any = true;
                }
            }
            total[i] = any ? sum : Double.NaN;
        }
        return total;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Identifier of the training run that produced the batch. */
    public String runId() {
        return runId;
    }

    /** Global optimizer step at which the batch was scored. */
    public long step() {
        return step;
    }

    /** Completions per prompt (G). */
    public int groupSize() {
        return groupSize;
    }

    /** Number of samples (prompts x G). */
    public int size() {
        return prompts.size();
    }

    /** Number of groups (distinct prompt slots). */
    public int groupCount() {
        return prompts.size() / groupSize;
    }

    /** Prompt of every sample (each repeats G times); read-only. */
    public List<String> prompts() {
        return prompts;
    }

    /** Decoded completion of every sample; read-only. */
    public List<String> completions() {
        return completions;
    }

    /** Names of the reward functions, in configuration order; read-only. */
    public List<String> rewardNames() {
        return Collections.unmodifiableList(new ArrayList<>(rewards.keySet()));
    }

    /** Rewards of one function for every sample (a copy); NaN where it gave none. */
    public double[] rewards(String function) {
        double[] column = rewards.get(function);
        if (column == null) {
            throw new IllegalArgumentException("no reward function '" + function
                    + "' in this batch; it has " + rewards.keySet());
        }
        return column.clone();
    }

    /** Reward of one function for one sample. */
    public double reward(String function, int sample) {
        double[] column = rewards.get(function);
        if (column == null) {
            throw new IllegalArgumentException("no reward function '" + function
                    + "' in this batch; it has " + rewards.keySet());
        }
        return column[sample];
    }

    /** All reward columns (copies), insertion-ordered. */
    public Map<String, double[]> rewards() {
        LinkedHashMap<String, double[]> copy = new LinkedHashMap<>();
        rewards.forEach((k, v) -> copy.put(k, v.clone()));
        return Collections.unmodifiableMap(copy);
    }

    /** Advantage of every sample (a copy). */
    public double[] advantages() {
        return advantages.clone();
    }

    public double advantage(int sample) {
        return advantages[sample];
    }

    /** Total (weighted) reward of every sample (a copy); NaN where no function gave a reward. */
    public double[] totalRewards() {
        return totalRewards.clone();
    }

    public double totalReward(int sample) {
        return totalRewards[sample];
    }

    /** Completion length in tokens of every sample (a copy). */
    public int[] completionTokens() {
        return completionTokens.clone();
    }

    public int completionTokens(int sample) {
        return completionTokens[sample];
    }

    /**
     * Each sample's completion token ids, as the policy sampled them (the text of
     * {@link #completions()} is their decoding without special tokens); empty when the producer
     * gave none.
     *
     * @since 1.1
     */
    public List<int[]> completionIds() {
        List<int[]> out = new ArrayList<>(completionIds.size());
        completionIds.forEach(a -> out.add(a.clone()));
        return out;
    }

    /** Whether each completion hit the length limit without EOS (a copy). */
    public boolean[] truncated() {
        return truncated.clone();
    }

    public boolean truncated(int sample) {
        return truncated[sample];
    }

    /** When the batch was scored. */
    public Instant scoredAt() {
        return scoredAt;
    }

    /**
     * The version of the policy weights that generated every sample of this batch (the trainer's
     * optimizer step whose weights the engine held; a batch never mixes versions), or -1 when the
     * publisher did not say.
     *
     * @since 1.1
     */
    public long weightsVersion() {
        return weightsVersion;
    }

    /**
     * The weights version of one sample: every sample of a batch shares {@link #weightsVersion()}.
     *
     * @since 1.1
     */
    public long weightsVersion(int sample) {
        Objects.checkIndex(sample, size());
        return weightsVersion;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof RolloutBatch)) {
            return false;
        }
        RolloutBatch other = (RolloutBatch) o;
        if (step != other.step || weightsVersion != other.weightsVersion || groupSize != other.groupSize || !runId.equals(other.runId)
                || !prompts.equals(other.prompts) || !completions.equals(other.completions)
                || !rewards.keySet().equals(other.rewards.keySet())
                || !Arrays.equals(advantages, other.advantages)
                || !Arrays.equals(totalRewards, other.totalRewards)
                || !Arrays.equals(completionTokens, other.completionTokens)
                || !Arrays.deepEquals(completionIds.toArray(), other.completionIds.toArray())
                || !Arrays.equals(truncated, other.truncated) || !scoredAt.equals(other.scoredAt)) {
            return false;
        }
        for (Map.Entry<String, double[]> e : rewards.entrySet()) {
            if (!Arrays.equals(e.getValue(), other.rewards.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return Objects.hash(runId, step, groupSize, prompts, completions, scoredAt);
    }

    @Override
    public String toString() {
        return "RolloutBatch[run=" + runId + ", step=" + step + ", samples=" + size()
                + ", G=" + groupSize + ", rewards=" + rewards.keySet() + "]";
    }

    /** Collects the fields of a {@link RolloutBatch}; {@link #build()} validates them. */
    public static final class Builder {
        private String runId;
        private long step;
        private int groupSize;
        private List<String> prompts;
        private List<String> completions;
        private final LinkedHashMap<String, double[]> rewards = new LinkedHashMap<>();
        private double[] advantages;
        private double[] totalRewards;
        private int[] completionTokens;
        private List<int[]> completionIds;
        private boolean[] truncated;
        private Instant scoredAt;
        private long weightsVersion = -1;

        private Builder() {
        }

        public Builder runId(String runId) {
            this.runId = runId;
            return this;
        }

        public Builder step(long step) {
            this.step = step;
            return this;
        }

        public Builder groupSize(int groupSize) {
            this.groupSize = groupSize;
            return this;
        }

        public Builder prompts(List<String> prompts) {
            this.prompts = prompts;
            return this;
        }

        public Builder completions(List<String> completions) {
            this.completions = completions;
            return this;
        }

        /** Adds one reward function's column; order of calls is the order of the map. */
        public Builder reward(String function, double[] values) {
            if (function == null || function.isEmpty()) {
                throw new IllegalArgumentException("reward function name is required");
            }
            if (rewards.containsKey(function)) {
                throw new IllegalArgumentException("reward function '" + function + "' given twice");
            }
            rewards.put(function, values);
            return this;
        }

        public Builder advantages(double[] advantages) {
            this.advantages = advantages;
            return this;
        }

        /** Optional: defaults to the NaN-skipping unweighted sum of the reward columns. */
        public Builder totalRewards(double[] totalRewards) {
            this.totalRewards = totalRewards;
            return this;
        }

        public Builder completionTokens(int[] completionTokens) {
            this.completionTokens = completionTokens;
            return this;
        }

        /**
         * Optional: each sample's completion token ids (as many as its completionTokens).
         *
         * @since 1.1
         */
        public Builder completionIds(List<int[]> completionIds) {
            this.completionIds = completionIds;
            return this;
        }

        public Builder truncated(boolean[] truncated) {
            this.truncated = truncated;
            return this;
        }

        /** Optional: defaults to the time of {@link #build()}. */
        public Builder scoredAt(Instant scoredAt) {
            this.scoredAt = scoredAt;
            return this;
        }

        /**
         * Optional: the weights version that generated the batch; defaults to -1 (unknown).
         *
         * @since 1.1
         */
        public Builder weightsVersion(long weightsVersion) {
            this.weightsVersion = weightsVersion;
            return this;
        }

        public RolloutBatch build() {
            return new RolloutBatch(this);
        }
    }
}
