package dev.cohort.trainer.internal.chat;

/** Python's backslash escapes in a template's string literals (jinja2 decodes them as unicode-escape). */
final class StringLiterals {

    private StringLiterals() {
    }

    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= s.length()) {
                out.append(c);
                continue;
            }
            i = escape(s, i + 1, out);
        }
        return out.toString();
    }

    /** Decodes the escape whose letter is at {@code i}; returns the index of its last character. */
    private static int escape(String s, int i, StringBuilder out) {
        char e = s.charAt(i);
        switch (e) {
            case '\n': return i;
            case '\\': out.append('\\'); return i;
            case '\'': out.append('\''); return i;
            case '"': out.append('"'); return i;
            case 'a': out.append('\u0007'); return i;
            case 'b': out.append('\b'); return i;
            case 'f': out.append('\f'); return i;
            case 'n': out.append('\n'); return i;
            case 'r': out.append('\r'); return i;
            case 't': out.append('\t'); return i;
            case 'v': out.append('\u000b'); return i;
            case 'x': return hex(s, i, 2, out);
            case 'u': return hex(s, i, 4, out);
            case 'U': return hex(s, i, 8, out);
            default:
                if (e >= '0' && e <= '7') {
                    int end = i;
                    while (end < s.length() && end < i + 3 && s.charAt(end) >= '0' && s.charAt(end) <= '7') {
                        end++;
                    }
                    out.appendCodePoint(Integer.parseInt(s.substring(i, end), 8));
                    return end - 1;
                }
                out.append('\\').append(e);
                return i;
        }
    }

    private static int hex(String s, int i, int digits, StringBuilder out) {
        if (i + 1 + digits > s.length() || !s.substring(i + 1, i + 1 + digits).matches("[0-9a-fA-F]+")) {
            throw new JinjaError("TemplateSyntaxError", "truncated \\" + s.charAt(i) + " escape in a string literal");
        }
        out.appendCodePoint(Integer.parseInt(s.substring(i + 1, i + 1 + digits), 16));
        return i + digits;
    }
}
