package dev.cohort.plugins.rewards;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Exact-match grading of a completion against a reference answer.
 *
 * <p>The final answer is taken from the completion in this order: the content of the last
 * {@code \boxed{...}}; the text after the last {@code ####} (GSM8K); the rest of the line after
 * the last "answer is" / "answer:"; else the whole completion. A numeric reference is compared
 * with the last number of the final answer (thousands separators and a leading {@code $}
 * ignored, exact decimal comparison, so 72 = 72.0 = 72.00); a text reference is compared after
 * trimming, folding case, collapsing white space and dropping a trailing period.
 */
final class AnswerMatcher {

    private static final Pattern BOXED = Pattern.compile("\\\\boxed\\{([^{}]*)}");
    private static final Pattern ANSWER_IS = Pattern.compile("(?i)answer\\s*(?:is|:)\\s*([^\\n]*)");
    private static final Pattern NUMBER = Pattern.compile("-?\\$?\\d[\\d,]*(?:\\.\\d+)?|-?\\$?\\.\\d+");

    private AnswerMatcher() {
    }

    static String finalAnswer(String completion) {
        String last = lastGroup(BOXED, completion);
        if (last != null) {
            return last;
        }
        int hashes = completion.lastIndexOf("####");
        if (hashes >= 0) {
            return completion.substring(hashes + 4);
        }
        last = lastGroup(ANSWER_IS, completion);
        return last != null ? last : completion;
    }

    private static String lastGroup(Pattern p, String text) {
        Matcher m = p.matcher(text);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        return last;
    }

    /** 1 when the completion's final answer equals the reference, else 0. */
    static double grade(String completion, Object reference) {
        String expected = reference.toString();
        int hashes = expected.lastIndexOf("####");
        if (hashes >= 0) {
            expected = expected.substring(hashes + 4);
        }
        String answer = finalAnswer(completion);
        BigDecimal want = number(expected.trim());
        if (want != null) {
            BigDecimal got = lastNumber(answer);
            return got != null && got.compareTo(want) == 0 ? 1.0 : 0.0;
        }
        return normalize(answer).equals(normalize(expected)) ? 1.0 : 0.0;
    }

    /** The text as a number when all of it is one number, else null. */
    static BigDecimal number(String text) {
        Matcher m = NUMBER.matcher(text);
        return m.matches() ? parse(m.group()) : null;
    }

    static BigDecimal lastNumber(String text) {
        Matcher m = NUMBER.matcher(text);
        String last = null;
        while (m.find()) {
            last = m.group();
        }
        return last == null ? null : parse(last);
    }

    private static BigDecimal parse(String token) {
        try {
            return new BigDecimal(token.replace(",", "").replace("$", ""));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static String normalize(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
        if (t.endsWith(".")) {
            t = t.substring(0, t.length() - 1).trim();
        }
        if (t.length() >= 2 && (t.startsWith("\"") && t.endsWith("\"") || t.startsWith("'") && t.endsWith("'"))) {
            t = t.substring(1, t.length() - 1).trim();
        }
        return t;
    }
}
