package dev.cohort.trainer.internal.tokenizer.hf;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Hugging Face's BPE model: a word's characters (or their {@code <0xXX>} bytes, or the unknown
 * token) merged pair by pair, lowest merge rank first and leftmost among equal ranks.
 */
final class BpeModel {

    /** Words up to this many characters are cached, as Hugging Face caches words under 256 bytes. */
    private static final int CACHE_MAX_WORD = 256;
    private static final int CACHE_CAPACITY = 10_000;

    private final Map<String, Integer> vocab;
    private final String[] tokens;
    private final PairRanks ranks;
    private final int[] mergeIds;
    private final BpeOptions opt;
    private final int[] charIds = new int[0x10000];
    private final int[] byteIds = new int[256];
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    /** {@code merges[r] = {left, right, merged}}: the token ids of the merge of rank r. */
    BpeModel(Map<String, Integer> vocab, int[][] merges, BpeOptions opt) {
        this.vocab = vocab;
        this.opt = opt;
        int max = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1);
        tokens = new String[max + 1];
        vocab.forEach((t, id) -> tokens[id] = t);
        ranks = new PairRanks(merges.length);
        mergeIds = new int[merges.length];
        for (int r = 0; r < merges.length; r++) {
            mergeIds[r] = merges[r][2];
            ranks.put(merges[r][0], merges[r][1], r); // a repeated pair keeps its last rank, as in Hugging Face
        }
        Arrays.fill(charIds, -1);
        if (opt.continuingSubwordPrefix().isEmpty() && opt.endOfWordSuffix().isEmpty()) {
            vocab.forEach((t, id) -> {
                if (t.length() == 1) {
                    charIds[t.charAt(0)] = id;
                }
            });
        }
        for (int b = 0; b < 256; b++) {
            byteIds[b] = vocab.getOrDefault(String.format("<0x%02X>", b), -1);
        }
    }

    int size() {
        return tokens.length;
    }

    String token(int id) {
        return id >= 0 && id < tokens.length ? tokens[id] : null;
    }

    Integer id(String token) {
        return vocab.get(token);
    }

    /** Appends the ids of one pre-tokenized word. */
    void tokenize(String word, IntList out) {
        if (word.isEmpty()) {
            return;
        }
        if (opt.ignoreMerges()) {
            Integer id = vocab.get(word);
            if (id != null) {
                out.add(id);
                return;
            }
        }
        int[] hit = cache.get(word);
        if (hit == null) {
            hit = merge(word);
            if (word.length() < CACHE_MAX_WORD && cache.size() < CACHE_CAPACITY) {
                cache.put(word, hit);
            }
        }
        out.addAll(hit);
    }

    private int[] merge(String word) {
        IntList ids = initialSymbols(word);
        int n = ids.size();
        if (n < 2) {
            return ids.toArray();
        }
        int[] sym = ids.toArray();
        int[] next = new int[n];
        int[] prev = new int[n];
        boolean[] gone = new boolean[n];
        LongHeap queue = new LongHeap(n);
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
            if (i + 1 < n) {
                push(queue, sym[i], sym[i + 1], i);
            }
        }
        while (!queue.isEmpty()) {
            long top = queue.poll();
            int pos = (int) top;
            int rank = (int) (top >>> 32);
            if (gone[pos] || next[pos] < 0) {
                continue;
            }
            int right = next[pos];
            int current = ranks.rank(sym[pos], sym[right]);
            if (current < 0 || mergeIds[current] != mergeIds[rank]) {
                continue; // an expired entry: one of the two symbols has changed since it was queued
            }
            sym[pos] = mergeIds[rank];
            gone[right] = true;
            next[pos] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = pos;
            }
            if (prev[pos] >= 0) {
                push(queue, sym[prev[pos]], sym[pos], prev[pos]);
            }
            if (next[pos] >= 0) {
                push(queue, sym[pos], sym[next[pos]], pos);
            }
        }
        IntList out = new IntList(n);
        for (int i = 0; i >= 0; i = next[i]) {
            out.add(sym[i]);
        }
        return out.toArray();
    }

    private void push(LongHeap queue, int left, int right, int pos) {
        int r = ranks.rank(left, right);
        if (r >= 0) {
            queue.add(((long) r << 32) | pos);
        }
    }

    /** The word's characters as ids, with byte fallback and (fused) unknown tokens. */
    private IntList initialSymbols(String w) {
        IntList out = new IntList(w.length());
        int unk = -1;
        for (int i = 0; i < w.length(); ) {
            int cp = w.codePointAt(i);
            int end = i + Character.charCount(cp);
            int id = charId(w, i, end);
            i = end;
            if (id >= 0) {
                if (unk >= 0) {
                    out.add(unk);
                    unk = -1;
                }
                out.add(id);
            } else if (!addBytes(cp, out)) {
                if (opt.unkId() < 0) {
                    continue;
                }
                if (unk >= 0 && !opt.fuseUnk()) {
                    out.add(unk);
                }
                unk = opt.unkId();
            }
        }
        if (unk >= 0) {
            out.add(unk);
        }
        return out;
    }

    private int charId(String w, int start, int end) {
        if (end - start == 1 && opt.continuingSubwordPrefix().isEmpty() && opt.endOfWordSuffix().isEmpty()) {
            return charIds[w.charAt(start)];
        }
        String s = w.substring(start, end);
        if (start > 0) {
            s = opt.continuingSubwordPrefix() + s;
        }
        if (end == w.length()) {
            s = s + opt.endOfWordSuffix();
        }
        return vocab.getOrDefault(s, -1);
    }

    private boolean addBytes(int cp, IntList out) {
        if (!opt.byteFallback()) {
            return false;
        }
        byte[] bytes = new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (byte b : bytes) {
            if (byteIds[b & 0xFF] < 0) {
                return false;
            }
        }
        for (byte b : bytes) {
            out.add(byteIds[b & 0xFF]);
        }
        return true;
    }
}
