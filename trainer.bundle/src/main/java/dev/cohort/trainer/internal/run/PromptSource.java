package dev.cohort.trainer.internal.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The prompts of a run, in an order shuffled once per epoch from the run's seed, and the
 * position reached (saved in checkpoints, so that a resumed run takes the same prompts).
 */
public final class PromptSource {

    private final List<Map<String, Object>> rows;
    private final String promptField;
    private final long seed;
    private int[] order;
    private long position;

    public PromptSource(List<Map<String, Object>> rows, String promptField, long seed) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("dataset: no rows");
        }
        this.rows = List.copyOf(rows);
        this.promptField = promptField;
        this.seed = seed;
    }

    /** Reads a JSON-lines file: one object per line with the prompt field and any other fields. */
    public static List<Map<String, Object>> readJsonl(Path file, String promptField) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Map<String, Object>> rows = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int no = 0;
            while ((line = in.readLine()) != null) {
                no++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n;
                try {
                    n = json.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new IOException(file + ":" + no + ": not a JSON object: " + e.getOriginalMessage());
                }
                if (n == null || !n.isObject()) {
                    throw new IOException(file + ":" + no + ": not a JSON object");
                }
                if (!n.path(promptField).isTextual()) {
                    throw new IOException(file + ":" + no + ": no text field '" + promptField
                            + "' (dataset_prompt_field)");
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> row = json.convertValue(n, LinkedHashMap.class);
                rows.add(Collections.unmodifiableMap(row));
            }
        }
        if (rows.isEmpty()) {
            throw new IOException(file + ": no rows");
        }
        return rows;
    }

    /** The next {@code count} rows. */
    public List<Map<String, Object>> next(int count) {
        List<Map<String, Object>> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int epoch = (int) (position / rows.size());
            int index = (int) (position % rows.size());
            if (index == 0 || order == null) {
                order = permutation(rows.size(), seed + epoch);
            }
            out.add(rows.get(order[index]));
            position++;
        }
        return out;
    }

    public String prompt(Map<String, Object> row) {
        return row.get(promptField).toString();
    }

    public long position() {
        return position;
    }

    /** Continues from a saved position. */
    public void seek(long position) {
        this.position = position;
        this.order = position % rows.size() == 0 ? null
                : permutation(rows.size(), seed + (int) (position / rows.size()));
    }

    public int size() {
        return rows.size();
    }

    public List<Map<String, Object>> rows() {
        return rows;
    }

    private static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        Random r = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
