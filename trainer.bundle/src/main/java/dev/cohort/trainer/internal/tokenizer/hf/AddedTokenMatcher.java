package dev.cohort.trainer.internal.tokenizer.hf;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Finds added tokens in text as Hugging Face's {@code AddedVocabulary::find_matches}: leftmost-
 * longest matches of the tokens' contents, dropping {@code single_word} tokens inside words and
 * widening {@code lstrip}/{@code rstrip} tokens over the white space beside them.
 */
final class AddedTokenMatcher {

    private static final Pattern WORD_CHAR = Regexes.compile("\\w");

    /** A stretch of the text: an added token's id, or -1 for text between tokens. */
    record Segment(int start, int end, int id) {
    }

    private final AddedToken[][] byFirstChar = new AddedToken[0x10000][];

    /** {@code contents[i]} is the text that {@code tokens[i]} matches (its normalized form, or content). */
    AddedTokenMatcher(List<AddedToken> tokens, List<String> contents) {
        List<List<AddedToken>> lists = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            String c = contents.get(i);
            if (c.isEmpty()) {
                continue;
            }
            AddedToken t = tokens.get(i);
            AddedToken keyed = new AddedToken(t.id(), c, t.singleWord(), t.lstrip(), t.rstrip(), t.normalized(),
                    t.special());
            char f = c.charAt(0);
            AddedToken[] old = byFirstChar[f] == null ? new AddedToken[0] : byFirstChar[f];
            AddedToken[] grown = java.util.Arrays.copyOf(old, old.length + 1);
            grown[old.length] = keyed;
            java.util.Arrays.sort(grown, Comparator.comparingInt((AddedToken a) -> -a.content().length()));
            byFirstChar[f] = grown;
        }
    }

    boolean isEmpty() {
        for (AddedToken[] a : byFirstChar) {
            if (a != null) {
                return false;
            }
        }
        return true;
    }

    /** The segments covering {@code s}; empty text between tokens is left out. */
    List<Segment> split(String s) {
        List<Segment> out = new ArrayList<>();
        int offset = 0;
        int from = 0;
        while (true) {
            int[] m = next(s, from);
            if (m == null) {
                break;
            }
            int start = m[0];
            int stop = m[1];
            AddedToken t = byFirstChar[s.charAt(start)][m[2]];
            from = stop;
            if (t.singleWord() && !singleWord(s, start, stop)) {
                continue;
            }
            if (t.lstrip()) {
                start = Math.max(leftSpaces(s, start), offset);
            }
            if (t.rstrip()) {
                stop = rightSpaces(s, stop);
            }
            if (offset < start) {
                out.add(new Segment(offset, start, -1));
            }
            out.add(new Segment(start, stop, t.id()));
            offset = stop;
        }
        if (offset < s.length()) {
            out.add(new Segment(offset, s.length(), -1));
        }
        return out;
    }

    /** {start, end, index in the first character's list} of the leftmost-longest match at or after {@code from}. */
    private int[] next(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            AddedToken[] cands = byFirstChar[s.charAt(i)];
            if (cands == null) {
                continue;
            }
            for (int k = 0; k < cands.length; k++) {
                if (s.startsWith(cands[k].content(), i)) {
                    return new int[] {i, i + cands[k].content().length(), k};
                }
            }
        }
        return null;
    }

    private static boolean singleWord(String s, int start, int stop) {
        boolean startOk = start == 0 || !isWordChar(s.codePointBefore(start));
        boolean stopOk = stop == s.length() || !isWordChar(s.codePointAt(stop));
        return startOk && stopOk;
    }

    private static boolean isWordChar(int cp) {
        return WORD_CHAR.matcher(new String(Character.toChars(cp))).matches();
    }

    private static int leftSpaces(String s, int start) {
        while (start > 0 && Regexes.isWhiteSpace(s.codePointBefore(start))) {
            start -= Character.charCount(s.codePointBefore(start));
        }
        return start;
    }

    private static int rightSpaces(String s, int stop) {
        while (stop < s.length() && Regexes.isWhiteSpace(s.codePointAt(stop))) {
            stop += Character.charCount(s.codePointAt(stop));
        }
        return stop;
    }
}
