package dev.cohort.trainer.internal.tokenizer.hf;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A piece cut into consecutive ranges, each marked as a match of a pattern or not (Hugging Face's
 * {@code Pattern::find_matches}), and the split behaviours of {@code NormalizedString::split}.
 */
final class Splits {

    /** Hugging Face's {@code SplitDelimiterBehavior}. */
    enum Behavior {
        REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS
    }

    private int[] starts = new int[16];
    private int[] ends = new int[16];
    private boolean[] match = new boolean[16];
    private int n;

    /** The matches of a regular expression in {@code s} and the stretches between them. */
    static Splits ofRegex(Pattern p, String s) {
        Splits r = new Splits();
        if (s.isEmpty()) {
            r.add(0, 0, false);
            return r;
        }
        Matcher m = p.matcher(s);
        int prev = 0;
        while (m.find()) {
            if (prev != m.start()) {
                r.add(prev, m.start(), false);
            }
            r.add(m.start(), m.end(), true);
            prev = m.end();
        }
        if (prev != s.length()) {
            r.add(prev, s.length(), false);
        }
        return r;
    }

    /** Every code point for which {@code test} holds is a match of its own. */
    static Splits ofCodePoints(String s, java.util.function.IntPredicate test) {
        Splits r = new Splits();
        if (s.isEmpty()) {
            r.add(0, 0, false);
            return r;
        }
        int last = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (test.test(cp)) {
                if (last < i) {
                    r.add(last, i, false);
                }
                r.add(i, next, true);
                last = next;
            }
            i = next;
        }
        if (s.length() > last) {
            r.add(last, s.length(), false);
        }
        return r;
    }

    private void add(int start, int end, boolean isMatch) {
        if (n == starts.length) {
            starts = Arrays.copyOf(starts, n * 2);
            ends = Arrays.copyOf(ends, n * 2);
            match = Arrays.copyOf(match, n * 2);
        }
        starts[n] = start;
        ends[n] = end;
        match[n++] = isMatch;
    }

    Splits invert() {
        for (int i = 0; i < n; i++) {
            match[i] = !match[i];
        }
        return this;
    }

    /** Emits the pieces of {@code p} that {@code behavior} keeps; only a piece at offset 0 stays first. */
    void emit(Piece p, Behavior behavior, List<Piece> out) {
        Splits kept = behavior == Behavior.ISOLATED || behavior == Behavior.REMOVED ? this : merged(behavior);
        for (int i = 0; i < kept.n; i++) {
            if (behavior == Behavior.REMOVED && kept.match[i]) {
                continue;
            }
            int s = kept.starts[i];
            out.add(new Piece(p.text().substring(s, kept.ends[i]), p.first() && s == 0));
        }
    }

    private Splits merged(Behavior behavior) {
        Splits r = new Splits();
        boolean previous = false;
        if (behavior == Behavior.MERGED_WITH_NEXT) {
            for (int i = n - 1; i >= 0; i--) {
                if (match[i] && !previous && r.n > 0) {
                    r.starts[r.n - 1] = starts[i];
                } else {
                    r.add(starts[i], ends[i], false);
                }
                previous = match[i];
            }
            r.reverse();
            return r;
        }
        for (int i = 0; i < n; i++) {
            boolean extend = behavior == Behavior.CONTIGUOUS ? match[i] == previous : match[i] && !previous;
            if (extend && r.n > 0) {
                r.ends[r.n - 1] = ends[i];
            } else {
                r.add(starts[i], ends[i], false);
            }
            previous = match[i];
        }
        return r;
    }

    private void reverse() {
        for (int i = 0, j = n - 1; i < j; i++, j--) {
            int s = starts[i];
            starts[i] = starts[j];
            starts[j] = s;
            int e = ends[i];
            ends[i] = ends[j];
            ends[j] = e;
        }
    }
}
