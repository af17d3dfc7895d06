package dev.cohort.api.reward;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a {@link RewardFunction} scores: one generation batch, an immutable value object.
 *
 * <p>Samples are group-contiguous: each prompt repeats once per completion of its group. For
 * every sample there is its prompt, its decoded completion, the completion's token ids and the
 * dataset row the prompt came from (every field of the row, read-only; reward functions read
 * reference answers from it). Array accessors return copies; lists and maps are read-only.
 */
public final class RewardInput {

    private final long step;
    private final List<String> prompts;
    private final List<String> completions;
    private final List<int[]> completionTokenIds;
    private final List<Map<String, Object>> rows;

    private RewardInput(long step, List<String> prompts, List<String> completions,
            List<int[]> tokenIds, List<Map<String, ?>> rows) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
        this.step = step;
        this.prompts = List.copyOf(require(prompts, "prompts"));
        int n = this.prompts.size();
        this.completions = List.copyOf(require(completions, "completions"));
        checkSize("completions", this.completions.size(), n);
        checkSize("completionTokenIds", require(tokenIds, "completionTokenIds").size(), n);
        checkSize("rows", require(rows, "rows").size(), n);
        List<int[]> ids = new ArrayList<>(n);
        List<Map<String, Object>> rs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(require(tokenIds.get(i), "completionTokenIds[" + i + "]").clone());
            rs.add(Collections.unmodifiableMap(new LinkedHashMap<>(require(rows.get(i), "rows[" + i + "]"))));
        }
        this.completionTokenIds = Collections.unmodifiableList(ids);
        this.rows = Collections.unmodifiableList(rs);
    }

    /**
     * Creates an input; every list must have one element per sample.
     *
     * @throws IllegalArgumentException naming the field and both sizes when lengths differ
     */
    public static RewardInput of(long step, List<String> prompts, List<String> completions,
            List<int[]> completionTokenIds, List<? extends Map<String, ?>> rows) {
        return new RewardInput(step, prompts, completions, completionTokenIds,
                rows == null ? null : new ArrayList<>(rows));
    }

    private static <T> T require(T value, String field) {
        if (value == null) {
            throw new IllegalArgumentException(field + " is required");
        }
        return value;
    }

    private static void checkSize(String field, int actual, int samples) {
        if (actual != samples) {
            throw new IllegalArgumentException(field + " has " + actual
                    + " elements but prompts has " + samples);
        }
    }

    /** Global optimizer step of the batch. */
    public long step() {
        return step;
    }

    /** Number of samples. */
    public int size() {
        return prompts.size();
    }

    /** The prompt of every sample; read-only. */
    public List<String> prompts() {
        return prompts;
    }

    /** The decoded completion of every sample; read-only. */
    public List<String> completions() {
        return completions;
    }

    /** The token ids of one sample's completion (a copy). */
    public int[] completionTokenIds(int sample) {
        return completionTokenIds.get(sample).clone();
    }

    /** Number of completion tokens of one sample. */
    public int completionLength(int sample) {
        return completionTokenIds.get(sample).length;
    }

    /** The dataset row of every sample (each read-only). */
    public List<Map<String, Object>> rows() {
        return rows;
    }

    @Override
    public String toString() {
        return "RewardInput[step=" + step + ", samples=" + size() + "]";
    }
}
