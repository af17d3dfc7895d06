package dev.cohort.trainer.internal.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Python's str semantics on Java strings: lengths, indices and slices count code points (an emoji
 * is one character, as in Python), whitespace is Python's str.isspace, ordering is by code point.
 */
final class PyStrings {

    private PyStrings() {
    }

    static long length(String s) {
        return s.codePointCount(0, s.length());
    }

    static List<String> characters(String s) {
        List<String> out = new ArrayList<>();
        s.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
        return out;
    }

    /** The char offset of code point index {@code cp} (0 <= cp <= length). */
    static int offset(String s, long cp) {
        return s.offsetByCodePoints(0, (int) cp);
    }

    static long cpIndex(String s, int charOffset) {
        return s.codePointCount(0, charOffset);
    }

    static int compare(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }

    /** Python's str.isspace for one code point. */
    static boolean isSpace(int cp) {
        switch (cp) {
            case '\t': case '\n': case 0x0b: case 0x0c: case '\r': case 0x1c: case 0x1d: case 0x1e:
            case 0x1f: case ' ': case 0x85: case 0xa0: case 0x1680: case 0x2028: case 0x2029:
            case 0x202f: case 0x205f: case 0x3000:
                return true;
            default:
                return cp >= 0x2000 && cp <= 0x200a;
        }
    }

    /** str.strip / lstrip / rstrip with Python whitespace, or with the given characters. */
    static String strip(String s, String chars, boolean left, boolean right) {
        int start = 0;
        int end = s.length();
        while (left && start < end && strippable(s.codePointAt(start), chars)) {
            start += Character.charCount(s.codePointAt(start));
        }
        while (right && end > start && strippable(s.codePointBefore(end), chars)) {
            end -= Character.charCount(s.codePointBefore(end));
        }
        return s.substring(start, end);
    }

    private static boolean strippable(int cp, String chars) {
        return chars == null ? isSpace(cp) : chars.indexOf(new String(Character.toChars(cp))) >= 0;
    }

    /** str.split(sep, maxsplit); a null separator splits on runs of whitespace. */
    static List<Object> split(String s, String sep, long maxsplit) {
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            return splitWhitespace(s, maxsplit);
        }
        if (sep.isEmpty()) {
            throw JinjaError.value("empty separator");
        }
        int from = 0;
        int at;
        while ((maxsplit < 0 || out.size() < maxsplit) && (at = s.indexOf(sep, from)) >= 0) {
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    private static List<Object> splitWhitespace(String s, long maxsplit) {
        List<Object> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (true) {
            while (i < n && isSpace(s.codePointAt(i))) {
                i += Character.charCount(s.codePointAt(i));
            }
            if (i >= n) {
                return out;
            }
            if (maxsplit >= 0 && out.size() == maxsplit) {
                out.add(strip(s.substring(i), null, false, true));
                return out;
            }
            int start = i;
            while (i < n && !isSpace(s.codePointAt(i))) {
                i += Character.charCount(s.codePointAt(i));
            }
            out.add(s.substring(start, i));
        }
    }

    /** str.rsplit(sep, maxsplit). */
    static List<Object> rsplit(String s, String sep, long maxsplit) {
        if (maxsplit < 0) {
            return split(s, sep, maxsplit);
        }
        if (sep == null) {
            List<Object> reversed = splitWhitespace(new StringBuilder(s).reverse().toString(), maxsplit);
            List<Object> out = new ArrayList<>();
            for (int i = reversed.size() - 1; i >= 0; i--) {
                out.add(new StringBuilder((String) reversed.get(i)).reverse().toString());
            }
            return out;
        }
        if (sep.isEmpty()) {
            throw JinjaError.value("empty separator");
        }
        List<Object> out = new ArrayList<>();
        int end = s.length();
        int at;
        while (out.size() < maxsplit && (at = s.lastIndexOf(sep, end - sep.length())) >= 0 && end - sep.length() >= 0) {
            out.add(0, s.substring(at + sep.length(), end));
            end = at;
        }
        out.add(0, s.substring(0, end));
        return out;
    }

    static String replace(String s, String old, String replacement, long count) {
        if (count < 0) {
            if (old.isEmpty()) {
                return replaceEmpty(s, replacement, Long.MAX_VALUE);
            }
            return s.replace(old, replacement);
        }
        if (old.isEmpty()) {
            return replaceEmpty(s, replacement, count);
        }
        StringBuilder out = new StringBuilder();
        int from = 0;
        int at;
        long done = 0;
        while (done < count && (at = s.indexOf(old, from)) >= 0) {
            out.append(s, from, at).append(replacement);
            from = at + old.length();
            done++;
        }
        return out.append(s.substring(from)).toString();
    }

    /** Python inserts the replacement before every character and at the end for an empty needle. */
    private static String replaceEmpty(String s, String replacement, long count) {
        StringBuilder out = new StringBuilder();
        long done = 0;
        for (String ch : characters(s)) {
            if (done++ < count) {
                out.append(replacement);
            }
            out.append(ch);
        }
        if (done < count) {
            out.append(replacement);
        }
        return out.toString();
    }

    static long count(String s, String sub) {
        if (sub.isEmpty()) {
            return length(s) + 1;
        }
        long n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    static String upper(String s) {
        return s.toUpperCase(Locale.ROOT);
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    private static boolean isCased(int cp) {
        return Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
    }

    /** Python's str.title(): a cased character after an uncased one is title-cased, others lowered. */
    static String title(String s) {
        StringBuilder out = new StringBuilder();
        boolean previousCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            String ch = new String(Character.toChars(cp));
            out.append(previousCased ? lower(ch) : titleCase(cp));
            previousCased = isCased(cp);
        }
        return out.toString();
    }

    private static String titleCase(int cp) {
        return new String(Character.toChars(Character.toTitleCase(cp)));
    }

    /** Python's str.capitalize(): the first character title-cased, the rest lower-cased. */
    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int first = s.codePointAt(0);
        return titleCase(first) + lower(s.substring(Character.charCount(first)));
    }

    /** Python's str.splitlines() without line ends, as jinja2's indent filter uses it. */
    static List<String> splitLinesForIndent(String s) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ("\n\r\u000b\u000c\u001c\u001d\u001e\u0085\u2028\u2029".indexOf(c) >= 0) {
                out.add(s.substring(start, i));
                if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        if (start < s.length()) {
            out.add(s.substring(start));
        }
        return out;
    }
}
