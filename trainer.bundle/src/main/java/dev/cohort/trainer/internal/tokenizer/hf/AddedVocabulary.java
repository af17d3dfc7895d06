package dev.cohort.trainer.internal.tokenizer.hf;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The added tokens: matched in the raw text ({@code normalized: false}) or in the normalized text
 * ({@code normalized: true}) before pre-tokenization, and named by id when decoding.
 */
final class AddedVocabulary {

    private final Map<Integer, String> contentById = new HashMap<>();
    private final Map<String, Integer> idByContent = new HashMap<>();
    private final Set<String> special = new HashSet<>();
    private final AddedTokenMatcher raw;
    private final AddedTokenMatcher normalized;

    AddedVocabulary(List<AddedToken> tokens, Normalizer normalizer) {
        List<AddedToken> rawTokens = new ArrayList<>();
        List<String> rawContents = new ArrayList<>();
        List<AddedToken> normTokens = new ArrayList<>();
        List<String> normContents = new ArrayList<>();
        for (AddedToken t : tokens) {
            contentById.put(t.id(), t.content());
            idByContent.put(t.content(), t.id());
            if (t.special()) {
                special.add(t.content());
            }
            if (t.normalized()) {
                normTokens.add(t);
                normContents.add(normalizer == null ? t.content() : normalizer.normalize(t.content()));
            } else {
                rawTokens.add(t);
                rawContents.add(t.content());
            }
        }
        raw = new AddedTokenMatcher(rawTokens, rawContents);
        normalized = new AddedTokenMatcher(normTokens, normContents);
    }

    AddedTokenMatcher raw() {
        return raw;
    }

    AddedTokenMatcher normalized() {
        return normalized;
    }

    String content(int id) {
        return contentById.get(id);
    }

    Integer id(String content) {
        return idByContent.get(content);
    }

    boolean isSpecial(String token) {
        return special.contains(token);
    }

    int maxId() {
        return contentById.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1);
    }

    Set<Integer> specialIds() {
        Set<Integer> ids = new java.util.TreeSet<>();
        contentById.forEach((id, c) -> {
            if (special.contains(c)) {
                ids.add(id);
            }
        });
        return ids;
    }
}
