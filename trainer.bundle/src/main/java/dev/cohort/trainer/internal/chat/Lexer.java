package dev.cohort.trainer.internal.chat;

import dev.cohort.trainer.internal.chat.Token.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a template into tokens as jinja2's lexer does with trim_blocks and lstrip_blocks:
 * newlines normalised and one trailing newline dropped; {@code {%-}/{@code -%}} strip all
 * whitespace beside the tag; the first newline after a block or comment tag is removed; spaces and
 * tabs before a block or comment tag at the start of a line are removed unless the tag opens with
 * {@code +}; comments vanish; raw blocks become text.
 */
final class Lexer {

    private static final Pattern RAW_BEGIN = Pattern.compile("\\{%([-+]?)\\s*raw\\s*(?:-%}\\s*|%})");
    private static final Pattern RAW_END = Pattern.compile("\\{%([-+]?)\\s*endraw\\s*(?:\\+%}|-%}\\s*|%}\\n?)");
    private static final Pattern NUMBER = Pattern.compile(
            "(\\d+(?:_\\d+)*)((?:\\.\\d+(?:_\\d+)*)?[eE][+-]?\\d+(?:_\\d+)*|\\.\\d+(?:_\\d+)*)?");
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final String[] OPERATORS = {"//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~",
        "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"};

    private final String src;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;
    private int line = 1;
    private boolean lineStarting = true;

    private Lexer(String source) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        this.src = s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    static List<Token> tokenize(String source) {
        Lexer lx = new Lexer(source);
        lx.run();
        return lx.tokens;
    }

    private void run() {
        while (pos < src.length()) {
            int at = nextTag(pos);
            if (at < 0) {
                text(src.substring(pos));
                pos = src.length();
                break;
            }
            char kind = src.charAt(at + 1);
            char sign = at + 2 < src.length() ? src.charAt(at + 2) : 0;
            sign = sign == '-' || sign == '+' ? sign : 0;
            text(stripBefore(src.substring(pos, at), sign, kind != '{'));
            advanceTo(at);
            Matcher raw = RAW_BEGIN.matcher(src).region(at, src.length());
            if (kind == '%' && raw.lookingAt()) {
                raw(raw.end());
            } else if (kind == '#') {
                comment(at + 2 + (sign != 0 ? 1 : 0));
            } else {
                tag(kind, at + 2 + (sign != 0 ? 1 : 0));
            }
        }
        tokens.add(new Token(Kind.EOF, "", line));
    }

    private int nextTag(int from) {
        for (int i = src.indexOf('{', from); i >= 0 && i + 1 < src.length(); i = src.indexOf('{', i + 1)) {
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
        }
        return -1;
    }

    /** jinja2's handling of the text before a tag: '-' strips it, lstrip_blocks trims the line. */
    private String stripBefore(String text, char sign, boolean blockOrComment) {
        if (sign == '-') {
            return PyStrings.strip(text, null, false, true);
        }
        if (sign != '+' && blockOrComment) {
            int lineStart = text.lastIndexOf('\n') + 1;
            if ((lineStart > 0 || lineStarting) && text.substring(lineStart).chars().allMatch(c -> c == ' ' || c == '\t')) {
                return text.substring(0, lineStart);
            }
        }
        return text;
    }

    private void text(String t) {
        if (!t.isEmpty()) {
            tokens.add(new Token(Kind.TEXT, t, line));
        }
    }

    private void advanceTo(int newPos) {
        for (int i = pos; i < newPos; i++) {
            if (src.charAt(i) == '\n') {
                line++;
            }
        }
        lineStarting = newPos > 0 && src.charAt(newPos - 1) == '\n';
        pos = newPos;
    }

    private void raw(int bodyStart) {
        advanceTo(bodyStart);
        Matcher end = RAW_END.matcher(src);
        if (!end.find(bodyStart)) {
            throw new JinjaError("TemplateSyntaxError", "Missing end of raw directive", line);
        }
        char sign = end.group(1).isEmpty() ? 0 : end.group(1).charAt(0);
        text(stripBefore(src.substring(bodyStart, end.start()), sign, true));
        advanceTo(end.end());
    }

    private void comment(int bodyStart) {
        int close = src.indexOf("#}", bodyStart);
        if (close < 0) {
            throw new JinjaError("TemplateSyntaxError", "Missing end of comment tag", line);
        }
        char before = close - 1 >= bodyStart ? src.charAt(close - 1) : 0;
        advanceTo(endOf(close + 2, before == '-' ? '-' : before == '+' ? '+' : 0, true));
    }

    /** Where a closing delimiter ending at {@code afterDelimiter} ends, with its whitespace control. */
    private int endOf(int afterDelimiter, char sign, boolean trimBlocks) {
        int end = afterDelimiter;
        if (sign == '-') {
            while (end < src.length() && PyStrings.isSpace(src.codePointAt(end))) {
                end += Character.charCount(src.codePointAt(end));
            }
        } else if (sign == 0 && trimBlocks && end < src.length() && src.charAt(end) == '\n') {
            end++;
        }
        return end;
    }

    private void tag(char kind, int start) {
        boolean block = kind == '%';
        tokens.add(new Token(block ? Kind.BLOCK_BEGIN : Kind.VAR_BEGIN, block ? "{%" : "{{", line));
        advanceTo(start);
        List<Character> balance = new ArrayList<>();
        while (true) {
            if (pos >= src.length()) {
                throw new JinjaError("TemplateSyntaxError", "unexpected end of template, expected '"
                        + (block ? "%}" : "}}") + "'", line);
            }
            if (balance.isEmpty() && closeTag(block)) {
                return;
            }
            expressionToken(balance);
        }
    }

    private boolean closeTag(boolean block) {
        String close = block ? "%}" : "}}";
        if (src.startsWith(close, pos)) {
            tokens.add(new Token(block ? Kind.BLOCK_END : Kind.VAR_END, close, line));
            advanceTo(endOf(pos + 2, (char) 0, block));
            return true;
        }
        boolean signed = src.startsWith(close, pos + 1) && (src.charAt(pos) == '-' || block && src.charAt(pos) == '+');
        if (signed) {
            tokens.add(new Token(block ? Kind.BLOCK_END : Kind.VAR_END, close, line));
            advanceTo(endOf(pos + 3, src.charAt(pos), block));
        }
        return signed;
    }

    private void expressionToken(List<Character> balance) {
        char c = src.charAt(pos);
        if (PyStrings.isSpace(c)) {
            advanceTo(pos + 1);
            return;
        }
        Matcher m;
        if (Character.isDigit(c) && (m = NUMBER.matcher(src).region(pos, src.length())).lookingAt()) {
            boolean afterDot = pos > 0 && src.charAt(pos - 1) == '.';
            if (m.group(2) == null || afterDot) {
                add(Kind.INTEGER, m.group(1).replace("_", ""), m.end(1));
            } else {
                add(Kind.FLOAT, m.group().replace("_", ""), m.end());
            }
        } else if ((m = NAME.matcher(src).region(pos, src.length())).lookingAt()) {
            add(Kind.NAME, m.group(), m.end());
        } else if (c == '\'' || c == '"') {
            string(c);
        } else {
            operator(balance);
        }
    }

    private void add(Kind kind, String value, int end) {
        tokens.add(new Token(kind, value, line));
        advanceTo(end);
    }

    private void string(char quote) {
        int i = pos + 1;
        while (i < src.length() && src.charAt(i) != quote) {
            i += src.charAt(i) == '\\' ? 2 : 1;
        }
        if (i >= src.length()) {
            throw new JinjaError("TemplateSyntaxError", "unexpected char " + PyRepr.repr(String.valueOf(quote))
                    + " at " + pos, line);
        }
        add(Kind.STRING, StringLiterals.unescape(src.substring(pos + 1, i)), i + 1);
    }

    private void operator(List<Character> balance) {
        for (String op : OPERATORS) {
            if (src.startsWith(op, pos)) {
                char c = op.charAt(0);
                if (op.length() == 1 && "([{".indexOf(c) >= 0) {
                    balance.add(c);
                } else if (op.length() == 1 && ")]}".indexOf(c) >= 0) {
                    char open = "([{".charAt(")]}".indexOf(c));
                    if (balance.isEmpty() || balance.remove(balance.size() - 1) != open) {
                        throw new JinjaError("TemplateSyntaxError", "unexpected '" + c + "'", line);
                    }
                }
                add(Kind.OPERATOR, op, pos + op.length());
                return;
            }
        }
        throw new JinjaError("TemplateSyntaxError", "unexpected char " + PyRepr.repr(String.valueOf(src.charAt(pos)))
                + " at " + pos, line);
    }
}
