package dev.cohort.trainer.internal.tokenizer.hf;

import java.text.Normalizer.Form;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Hugging Face's NFC/NFD/NFKC/NFKD, Lowercase, Prepend, Replace, Strip and Sequence normalizers. */
final class Normalizers {

    private Normalizers() {
    }

    static Normalizer unicode(Form form) {
        return s -> java.text.Normalizer.isNormalized(s, form) ? s : java.text.Normalizer.normalize(s, form);
    }

    /** Each code point lower-cased on its own, as Rust's {@code char::to_lowercase} (no final-sigma rule). */
    static final Normalizer LOWERCASE = s -> {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            if (cp < 0x80) {
                sb.append((char) Character.toLowerCase(cp));
            } else {
                sb.append(new String(Character.toChars(cp)).toLowerCase(Locale.ROOT));
            }
        });
        return sb.toString();
    };

    static Normalizer prepend(String prefix) {
        return s -> s.isEmpty() ? s : prefix + s;
    }

    static Normalizer replace(Pattern pattern, String content) {
        return s -> replaceAll(pattern, s, content);
    }

    /** Strips White_Space characters from the left and/or right. */
    static Normalizer strip(boolean left, boolean right) {
        return s -> {
            int from = 0;
            int to = s.length();
            while (left && from < to && Regexes.isWhiteSpace(s.codePointAt(from))) {
                from += Character.charCount(s.codePointAt(from));
            }
            while (right && to > from && Regexes.isWhiteSpace(s.codePointBefore(to))) {
                to -= Character.charCount(s.codePointBefore(to));
            }
            return s.substring(from, to);
        };
    }

    static Normalizer sequence(List<Normalizer> normalizers) {
        return s -> {
            for (Normalizer n : normalizers) {
                s = n.normalize(s);
            }
            return s;
        };
    }

    /** Every match replaced by {@code content} literally ({@code $} and {@code \} are not special). */
    static String replaceAll(Pattern pattern, String s, String content) {
        Matcher m = pattern.matcher(s);
        if (!m.find()) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length() + 16);
        int prev = 0;
        do {
            sb.append(s, prev, m.start()).append(content);
            prev = m.end();
        } while (m.find());
        return sb.append(s, prev, s.length()).toString();
    }
}
