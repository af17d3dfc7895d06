package dev.cohort.trainer.internal.tokenizer;

import java.util.HashMap;
import java.util.Map;

/**
 * One token per character of a fixed alphabet, plus EOS as the last id: for small built-in tasks
 * where a 50257-row embedding would dwarf the model.
 */
public final class CharTokenizer implements Tokenizer {

    private final String alphabet;
    private final Map<Integer, Integer> ids = new HashMap<>();

    public CharTokenizer(String alphabet) {
        int[] cps = alphabet.codePoints().toArray();
        for (int i = 0; i < cps.length; i++) {
            if (ids.putIfAbsent(cps[i], i) != null) {
                throw new IllegalArgumentException("alphabet repeats '" + new String(Character.toChars(cps[i])) + "'");
            }
        }
        if (cps.length == 0) {
            throw new IllegalArgumentException("alphabet is empty");
        }
        this.alphabet = alphabet;
    }

    @Override
    public String name() {
        return "char";
    }

    public String alphabet() {
        return alphabet;
    }

    @Override
    public int vocabSize() {
        return ids.size() + 1;
    }

    @Override
    public int eos() {
        return ids.size();
    }

    @Override
    public int[] encode(String text) {
        return text.codePoints().map(cp -> {
            Integer id = ids.get(cp);
            if (id == null) {
                throw new IllegalArgumentException("character '" + new String(Character.toChars(cp))
                        + "' is not in the tokenizer's alphabet \"" + alphabet + "\"");
            }
            return id;
        }).toArray();
    }

    @Override
    public String decode(int[] tokens) {
        int[] cps = alphabet.codePoints().toArray();
        StringBuilder sb = new StringBuilder();
        for (int t : tokens) {
            if (t == eos()) {
                continue;
            }
            if (t < 0 || t >= cps.length) {
                throw new IllegalArgumentException("token id " + t + " is outside the vocabulary of " + vocabSize());
            }
            sb.appendCodePoint(cps[t]);
        }
        return sb.toString();
    }
}
