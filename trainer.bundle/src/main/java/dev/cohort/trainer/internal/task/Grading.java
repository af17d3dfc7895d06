package dev.cohort.trainer.internal.task;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code accuracy} reward's grading (plugins/rewards AnswerMatcher), restated here because
 * that class lives in another bundle: a numeric reference is compared exactly with the last
 * number of the completion (thousands separators and a leading $ ignored), a text reference
 * with the normalised completion. The final-answer markers AnswerMatcher looks for first
 * ({@code \boxed{}}, {@code ####}, "answer is") cannot occur in the addition task's alphabet,
 * so the whole completion is the final answer.
 */
public final class Grading {

    private static final Pattern NUMBER = Pattern.compile("-?\\$?\\d[\\d,]*(?:\\.\\d+)?|-?\\$?\\.\\d+");

    private Grading() {
    }

    /** 1 when the completion's last number equals the numeric reference, else 0. */
    public static double grade(String completion, Object reference) {
        String expected = reference.toString().trim();
        BigDecimal want = number(expected);
        if (want != null) {
            BigDecimal got = lastNumber(completion);
            return got != null && got.compareTo(want) == 0 ? 1.0 : 0.0;
        }
        return normalize(completion).equals(normalize(expected)) ? 1.0 : 0.0;
    }

    private static BigDecimal number(String text) {
        Matcher m = NUMBER.matcher(text);
        return m.matches() ? parse(m.group()) : null;
    }

    private static BigDecimal lastNumber(String text) {
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

    private static String normalize(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
        return t.endsWith(".") ? t.substring(0, t.length() - 1).trim() : t;
    }
}
