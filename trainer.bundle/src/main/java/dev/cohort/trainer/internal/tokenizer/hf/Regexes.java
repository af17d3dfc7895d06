package dev.cohort.trainer.internal.tokenizer.hf;

import java.util.regex.Pattern;

/**
 * Hugging Face's patterns in Java: compiled with Unicode character classes so that {@code \s},
 * {@code \w} and {@code \p{..}} mean what they mean to Oniguruma and Rust's regex (NBSP and U+3000
 * are spaces), and Unicode case folding for {@code (?i)}.
 */
final class Regexes {

    private Regexes() {
    }

    static Pattern compile(String regex) {
        return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
    }

    static Pattern literal(String s) {
        return Pattern.compile(Pattern.quote(s));
    }

    /** Unicode's White_Space property, which Rust's {@code char::is_whitespace} and {@code \s} use. */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F
                || cp == 0x3000;
    }

    /** Rust's {@code char::is_numeric}: general categories Nd, Nl and No. */
    static boolean isNumeric(int cp) {
        int t = Character.getType(cp);
        return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
    }
}
