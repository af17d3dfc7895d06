package dev.cohort.trainer.internal.chat;

import java.util.ArrayList;
import java.util.List;

/** Python's str methods, with Python's argument rules and code-point indices. */
final class StringMethods {

    private StringMethods() {
    }

    static Object call(String s, String name, Args a) {
        switch (name) {
            case "startswith":
            case "endswith":
                return affix(s, name.equals("startswith"), a.accept(3));
            case "strip":
            case "lstrip":
            case "rstrip":
                a.accept(1);
                return PyStrings.strip(s, a.string(0, "chars", null), !name.equals("rstrip"), !name.equals("lstrip"));
            case "split":
            case "rsplit": {
                a.accept(2, "sep", "maxsplit");
                String sep = a.string(0, "sep", null);
                long max = a.integer(1, "maxsplit", -1);
                return name.equals("split") ? PyStrings.split(s, sep, max) : PyStrings.rsplit(s, sep, max);
            }
            case "upper":
                return PyStrings.upper(s);
            case "lower":
                return PyStrings.lower(s);
            case "title":
                return PyStrings.title(s);
            case "capitalize":
                return PyStrings.capitalize(s);
            case "swapcase":
                return swapcase(s);
            case "replace":
                a.accept(3, "count");
                return PyStrings.replace(s, (String) str(a.required(0, "old")), (String) str(a.required(1, "new")),
                        a.integer(2, "count", -1));
            case "find":
            case "rfind":
            case "index":
            case "rindex":
                return find(s, name, a.accept(3));
            case "count":
                a.accept(1);
                return PyStrings.count(s, (String) str(a.required(0, "sub")));
            case "join":
                a.accept(1);
                return join(s, a.required(0, "iterable"));
            case "splitlines":
                a.accept(1, "keepends");
                return splitlines(s, a.flag(0, "keepends", false));
            case "removeprefix":
                a.accept(1);
                String prefix = (String) str(a.required(0, "prefix"));
                return s.startsWith(prefix) ? s.substring(prefix.length()) : s;
            case "removesuffix":
                a.accept(1);
                String suffix = (String) str(a.required(0, "suffix"));
                return s.endsWith(suffix) && !suffix.isEmpty() ? s.substring(0, s.length() - suffix.length()) : s;
            case "format":
                return PyFormat.format(s, a.positional(), a.keywords());
            case "zfill":
                a.accept(1);
                return zfill(s, a.integer(0, "width", 0));
            default:
                return predicate(s, name);
        }
    }

    private static Object str(Object v) {
        if (!(v instanceof String)) {
            throw JinjaError.type("must be str, not " + PyValues.typeName(v));
        }
        return v;
    }

    private static boolean affix(String s, boolean start, Args a) {
        Object what = a.required(0, "prefix");
        String window = window(s, a.get(1, "start", null), a.get(2, "end", null));
        List<Object> options = what instanceof PyTuple ? (PyTuple) what : List.of(str(what));
        for (Object o : options) {
            String x = (String) str(o);
            if (start ? window.startsWith(x) : window.endsWith(x)) {
                return true;
            }
        }
        return false;
    }

    /** {@code s[start:end]} with Python's index rules. */
    private static String window(String s, Object start, Object end) {
        return (String) PyOps.slice(s, start, end, null);
    }

    private static long find(String s, String name, Args a) {
        String sub = (String) str(a.required(0, "sub"));
        Object start = a.get(1, "start", null);
        long offset = start == null ? 0 : PyStrings.length((String) PyOps.slice(s, null, start, null));
        String w = window(s, start, a.get(2, "end", null));
        int at = name.startsWith("r") ? w.lastIndexOf(sub) : w.indexOf(sub);
        if (at < 0) {
            if (name.endsWith("index")) {
                throw JinjaError.value("substring not found");
            }
            return -1;
        }
        return offset + PyStrings.cpIndex(w, at);
    }

    private static String join(String sep, Object iterable) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        for (Object o : PyValues.asList(iterable)) {
            if (!(o instanceof String)) {
                throw JinjaError.type("sequence item " + i + ": expected str instance, " + PyValues.typeName(o)
                        + " found");
            }
            if (i++ > 0) {
                out.append(sep);
            }
            out.append((String) o);
        }
        return out.toString();
    }

    private static List<Object> splitlines(String s, boolean keepends) {
        List<Object> out = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            int len = c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n' ? 2 : 1;
            if ("\n\r\u000b\u000c\u001c\u001d\u001e\u0085\u2028\u2029".indexOf(c) >= 0) {
                out.add(s.substring(start, keepends ? i + len : i));
                start = i + len;
            }
            i += len;
        }
        if (start < s.length()) {
            out.add(s.substring(start));
        }
        return out;
    }

    private static String swapcase(String s) {
        StringBuilder out = new StringBuilder();
        s.codePoints().forEach(cp -> {
            String ch = new String(Character.toChars(cp));
            out.append(Character.isUpperCase(cp) ? PyStrings.lower(ch)
                    : Character.isLowerCase(cp) ? PyStrings.upper(ch) : ch);
        });
        return out.toString();
    }

    private static String zfill(String s, long width) {
        long pad = width - PyStrings.length(s);
        if (pad <= 0) {
            return s;
        }
        boolean signed = !s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-');
        String zeros = "0".repeat((int) pad);
        return signed ? s.charAt(0) + zeros + s.substring(1) : zeros + s;
    }

    private static boolean predicate(String s, String name) {
        if (s.isEmpty()) {
            return false;
        }
        switch (name) {
            case "isdigit":
                return s.codePoints().allMatch(Character::isDigit);
            case "isalpha":
                return s.codePoints().allMatch(Character::isLetter);
            case "isalnum":
                return s.codePoints().allMatch(Character::isLetterOrDigit);
            case "isspace":
                return s.codePoints().allMatch(PyStrings::isSpace);
            case "isupper":
                return s.codePoints().anyMatch(Character::isUpperCase) && s.equals(PyStrings.upper(s));
            case "islower":
                return s.codePoints().anyMatch(Character::isLowerCase) && s.equals(PyStrings.lower(s));
            default:
                throw new IllegalStateException("no str method " + name);
        }
    }
}
