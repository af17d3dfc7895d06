package dev.cohort.trainer.internal.run;

import dev.cohort.trainer.internal.data.ChatRenderer;
import dev.cohort.trainer.internal.data.DatasetException;
import dev.cohort.trainer.internal.data.DatasetRow;
import dev.cohort.trainer.internal.data.Prompt;
import dev.cohort.trainer.internal.data.RawRow;
import dev.cohort.trainer.internal.data.RawRows;
import dev.cohort.trainer.internal.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The prompts of a run, in an order shuffled once per epoch from the run's seed, and the
 * position reached (saved in checkpoints, so that a resumed run takes the same prompts). Every
 * row's prompt text is fixed when the source is made (conversational prompts rendered by the
 * chat template then), so that a prompt that cannot be rendered fails the start, not a step.
 */
public final class PromptSource {

    private final List<Map<String, Object>> rows;
    private final Map<Map<String, Object>, String> texts = new IdentityHashMap<>();
    private final long seed;
    private int[] order;
    private long position;

    /** Rows whose field {@code promptField} is the prompt text. */
    public PromptSource(List<Map<String, Object>> rows, String promptField, long seed) {
        this(rows, rows.stream().map(r -> String.valueOf(r.get(promptField))).toList(), seed);
    }

    private PromptSource(List<Map<String, Object>> rows, List<String> texts, long seed) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("dataset: no rows");
        }
        this.rows = List.copyOf(rows);
        for (int i = 0; i < this.rows.size(); i++) {
            this.texts.put(this.rows.get(i), texts.get(i));
        }
        this.seed = seed;
    }

    /**
     * Mapped rows ({@code data.Dataset}): text prompts as they are, conversational ones rendered by
     * {@code chat}; every row that cannot be rendered is reported with its place.
     */
    public static PromptSource of(List<DatasetRow> rows, ChatRenderer chat, long seed) throws DatasetException {
        return of(rows, chat, null, 0, seed);
    }

    /**
     * As {@link #of(List, ChatRenderer, long)}, and every prompt, as the trainer will encode it,
     * must be encodable by {@code tok} and at most {@code maxPromptLength} tokens long (after the
     * chat template): a row that is not is reported with its place before the run starts.
     */
    public static PromptSource of(List<DatasetRow> rows, ChatRenderer chat, Tokenizer tok, int maxPromptLength,
            long seed) throws DatasetException {
        List<Map<String, Object>> fields = new ArrayList<>(rows.size());
        List<String> texts = new ArrayList<>(rows.size());
        List<String> problems = new ArrayList<>();
        for (DatasetRow r : rows) {
            fields.add(r.fields());
            try {
                String text = r.prompt() instanceof Prompt.Text t ? t.text()
                        : chat.render(((Prompt.Chat) r.prompt()).messages());
                texts.add(text);
                if (tok != null) {
                    int n = tok.encode(text).length;
                    if (n > maxPromptLength) {
                        problems.add(r.where() + ": the prompt is " + n + " tokens"
                                + (r.prompt() instanceof Prompt.Chat ? " after the chat template" : "")
                                + ", longer than max_prompt_length " + maxPromptLength);
                    }
                }
            } catch (IllegalArgumentException e) {
                problems.add(r.where() + ": " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw DatasetException.of(problems);
        }
        return new PromptSource(fields, texts, seed);
    }

    /** Reads a JSON-lines file: one object per line with the prompt field (text) and any other fields. */
    public static List<Map<String, Object>> readJsonl(Path file, String promptField) throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (RawRow r : RawRows.jsonLines(file)) {
            if (!(r.values().get(promptField) instanceof String)) {
                throw new IOException(r.where() + ": no text field '" + promptField + "' (dataset_prompt_field)");
            }
            rows.add(r.values());
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

    /** The prompt text of a row that this source handed out. */
    public String prompt(Map<String, Object> row) {
        String text = texts.get(row);
        if (text == null) {
            throw new IllegalArgumentException("not a row of this prompt source: " + row);
        }
        return text;
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
