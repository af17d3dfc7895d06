package dev.cohort.trainer.internal.tokenizer;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * One token per character of a fixed alphabet, plus EOS ({@value #EOS_TOKEN}) as the last id: for
 * small built-in tasks where a 50257-row embedding would dwarf the model. The EOS text in the
 * input encodes to EOS, as the tokenizer.json that {@link CharTokenizerJson} writes does.
 */
public final class CharTokenizer implements Tokenizer {

    /** The EOS token's text. */
    public static final String EOS_TOKEN = "<|endoftext|>";

    private final String alphabet;
    private final int[] cps;
    private final Map<Integer, Integer> ids = new HashMap<>();

    public CharTokenizer(String alphabet) {
        cps = alphabet.codePoints().toArray();
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
    public int[] encode(String text, boolean addSpecialTokens) {
        int eosAt = text.indexOf(EOS_TOKEN);
        if (eosAt >= 0) {
            int[] head = encode(text.substring(0, eosAt), false);
            int[] tail = encode(text.substring(eosAt + EOS_TOKEN.length()), false);
            int[] all = java.util.Arrays.copyOf(head, head.length + 1 + tail.length);
            all[head.length] = eos();
            System.arraycopy(tail, 0, all, head.length + 1, tail.length);
            return all;
        }
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
    public String decode(int[] tokens, boolean skipSpecialTokens) {
        StringBuilder sb = new StringBuilder();
        for (int t : tokens) {
            if (t == eos()) {
                sb.append(skipSpecialTokens ? "" : EOS_TOKEN);
                continue;
            }
            if (t < 0 || t >= cps.length) {
                throw new IllegalArgumentException("token id " + t + " is outside the vocabulary of " + vocabSize());
            }
            sb.appendCodePoint(cps[t]);
        }
        return sb.toString();
    }

    @Override
    public OptionalInt tokenToId(String token) {
        if (token.equals(EOS_TOKEN)) {
            return OptionalInt.of(eos());
        }
        int[] c = token.codePoints().toArray();
        Integer id = c.length == 1 ? ids.get(c[0]) : null;
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public Optional<String> idToToken(int id) {
        if (id == eos()) {
            return Optional.of(EOS_TOKEN);
        }
        return id >= 0 && id < cps.length ? Optional.of(new String(Character.toChars(cps[id]))) : Optional.empty();
    }

    @Override
    public Set<Integer> specialIds() {
        return Set.of(eos());
    }
}
