package dev.cohort.trainer.internal.task;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.trainer.internal.tokenizer.CharTokenizer;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The quick start's built-in task: add two two-digit numbers. A row is
 * {@code {"prompt": "23+58=", "answer": "81"}}; the answer is a string that the {@code accuracy}
 * reward compares numerically with the last number of the completion.
 *
 * <p>All 90 x 90 = 8100 problems (operands 10..99) are split once and for all into train and
 * held-out by a fixed hash of the unordered operand pair, so that {@code a+b} and {@code b+a}
 * always fall on the same side (held-out accuracy then measures more than commutativity).
 * About 10 % of the pairs are held out. The split depends on nothing but the two operands: no
 * seed, no list order, no Java version.
 *
 * <p>Tokens: one per character of {@value #ALPHABET}, EOS = 12 (the last id). A prompt is 6
 * tokens and an answer 2 or 3 digits, so prompt + answer + EOS fits 10 positions.
 */
public final class AdditionTask {

    /** The character tokenizer's alphabet; EOS is id {@code ALPHABET.length()}. */
    public static final String ALPHABET = "0123456789+=";
    public static final int MIN_OPERAND = 10;
    public static final int MAX_OPERAND = 99;
    /** Held-out when the pair's hash is 0 modulo this. */
    public static final int HELD_OUT_MODULUS = 10;
    /** Salt of the split hash; changing it changes the split. */
    static final long SPLIT_SALT = 0x436F686F72744164L; // "CohortAd"
    /** Seed of the fixed order in which {@link #trainRows(int)} hands out train problems. */
    static final long TRAIN_ORDER_SEED = 20240611L;
    /** Longest prompt ("99+99=") in tokens. */
    public static final int PROMPT_TOKENS = 6;
    /** Longest answer ("198") in tokens, EOS not included. */
    public static final int MAX_ANSWER_TOKENS = 3;

    /** One problem. */
    public record Problem(int a, int b) {

        public String prompt() {
            return a + "+" + b + "=";
        }

        public String answer() {
            return Integer.toString(a + b);
        }

        /** {"prompt": ..., "answer": ...}, in that order. */
        public Map<String, Object> row() {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("prompt", prompt());
            r.put("answer", answer());
            return r;
        }
    }

    private final List<Problem> train;
    private final List<Problem> heldOut;

    public AdditionTask() {
        List<Problem> tr = new ArrayList<>();
        List<Problem> ho = new ArrayList<>();
        for (int a = MIN_OPERAND; a <= MAX_OPERAND; a++) {
            for (int b = MIN_OPERAND; b <= MAX_OPERAND; b++) {
                (isHeldOut(a, b) ? ho : tr).add(new Problem(a, b));
            }
        }
        // Fisher-Yates with SplitMix64, spelled out so that the order never depends on a library
        for (int i = tr.size() - 1; i > 0; i--) {
            int j = (int) Long.remainderUnsigned(mix(TRAIN_ORDER_SEED + i), i + 1);
            Collections.swap(tr, i, j);
        }
        this.train = List.copyOf(tr);
        this.heldOut = List.copyOf(ho);
    }

    /** The character tokenizer of the task (13 ids). */
    public static CharTokenizer tokenizer() {
        return new CharTokenizer(ALPHABET);
    }

    /** Whether a+b is held out: a fixed hash of the unordered pair. */
    public static boolean isHeldOut(int a, int b) {
        long key = (long) Math.min(a, b) * 1000 + Math.max(a, b);
        return Long.remainderUnsigned(mix(key ^ SPLIT_SALT), HELD_OUT_MODULUS) == 0;
    }

    /** SplitMix64's finaliser. */
    static long mix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Train problems in a fixed pseudo-random order (the same on every run). */
    public List<Problem> trainProblems() {
        return train;
    }

    /** Held-out problems in operand order. */
    public List<Problem> heldOutProblems() {
        return heldOut;
    }

    /** The first {@code n} train problems of the fixed order as rows (n = all when larger). */
    public List<Map<String, Object>> trainRows(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("number of train rows must be >= 0, got " + n);
        }
        return rows(train.subList(0, Math.min(n, train.size())));
    }

    /** Every held-out problem as a row. */
    public List<Map<String, Object>> heldOutRows() {
        return rows(heldOut);
    }

    public static List<Map<String, Object>> rows(List<Problem> problems) {
        List<Map<String, Object>> r = new ArrayList<>(problems.size());
        for (Problem p : problems) {
            r.add(p.row());
        }
        return r;
    }

    /** Writes one JSON object per line (UTF-8, '\n'), creating the parent directories. */
    public static void writeJsonl(Path file, List<Map<String, Object>> rows) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        ObjectMapper json = new ObjectMapper();
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (Map<String, Object> row : rows) {
                w.write(json.writeValueAsString(row));
                w.write('\n');
            }
        }
    }

    /**
     * Writes the task's data files into {@code dir}: {@code train.jsonl} (every train problem, in
     * the fixed order) and {@code held_out.jsonl}.
     *
     * <p>Usage: {@code AdditionTask DIR}
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: AdditionTask DIR   (writes DIR/train.jsonl and DIR/held_out.jsonl)");
            System.exit(2);
        }
        AdditionTask task = new AdditionTask();
        Path dir = Path.of(args[0]);
        writeJsonl(dir.resolve("train.jsonl"), task.trainRows(Integer.MAX_VALUE));
        writeJsonl(dir.resolve("held_out.jsonl"), task.heldOutRows());
        System.out.printf("wrote %d train and %d held-out rows to %s%n", task.train.size(), task.heldOut.size(), dir);
    }
}
