package dev.cohort.trainer.internal.chat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** jinja2's built-in filters on strings and numbers, and transformers' {@code tojson}. */
final class Filters {

    interface Filter {
        Object apply(Object value, Args args, Environment env);
    }

    private static final Pattern WORD_BEGINNING = Pattern.compile("([-\\s({\\[<]+)", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern WORD = Pattern.compile("\\w+", Pattern.UNICODE_CHARACTER_CLASS);

    private Filters() {
    }

    static Map<String, Filter> all() {
        Map<String, Filter> f = new HashMap<>();
        f.put("tojson", (v, a, e) -> {
            a.accept(4, "ensure_ascii", "indent", "separators", "sort_keys");
            return new PyJson(a.get(1, "indent", null), a.get(2, "separators", null), a.flag(3, "sort_keys", false),
                    a.flag(0, "ensure_ascii", false)).dumps(v);
        });
        f.put("string", (v, a, e) -> PyRepr.str(v));
        f.put("safe", (v, a, e) -> PyRepr.str(v));
        f.put("escape", Filters::escape);
        f.put("e", Filters::escape);
        f.put("trim", (v, a, e) -> PyStrings.strip(PyRepr.str(v), a.accept(1, "chars").string(0, "chars", null),
                true, true));
        f.put("upper", (v, a, e) -> PyStrings.upper(PyRepr.str(v)));
        f.put("lower", (v, a, e) -> PyStrings.lower(PyRepr.str(v)));
        f.put("capitalize", (v, a, e) -> PyStrings.capitalize(PyRepr.str(v)));
        f.put("title", (v, a, e) -> title(PyRepr.str(v)));
        f.put("replace", (v, a, e) -> PyStrings.replace(PyRepr.str(v), PyRepr.str(a.required(0, "old")),
                PyRepr.str(a.required(1, "new")), a.get(2, "count", null) == null ? -1 : a.integer(2, "count", -1)));
        f.put("length", (v, a, e) -> PyValues.length(v));
        f.put("count", (v, a, e) -> PyValues.length(v));
        f.put("wordcount", (v, a, e) -> {
            Matcher m = WORD.matcher(PyRepr.str(v));
            long n = 0;
            while (m.find()) {
                n++;
            }
            return n;
        });
        f.put("indent", Filters::indent);
        f.put("center", (v, a, e) -> center(PyRepr.str(v), a.integer(0, "width", 80)));
        f.put("format", (v, a, e) -> PyFormat.percent(PyRepr.str(v), PyTuple.of(a.positional())));
        f.put("default", Filters::defaultValue);
        f.put("d", Filters::defaultValue);
        f.put("int", Filters::toInt);
        f.put("float", (v, a, e) -> toFloat(v, a.get(0, "default", 0.0)));
        f.put("abs", (v, a, e) -> abs(v));
        f.put("round", Filters::round);
        f.put("attr", (v, a, e) -> attr(v, PyRepr.str(a.required(0, "name"))));
        CollectionFilters.register(f);
        return Collections.unmodifiableMap(f);
    }

    private static Object escape(Object v, Args a, Environment env) {
        String s = PyRepr.str(v);
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&#34;")
                .replace("'", "&#39;");
    }

    /** jinja2's title filter: each word (split at spaces, dashes and brackets) capitalised. */
    private static String title(String s) {
        StringBuilder out = new StringBuilder();
        Matcher m = WORD_BEGINNING.matcher(s);
        int last = 0;
        List<String> items = new ArrayList<>();
        while (m.find()) {
            items.add(s.substring(last, m.start()));
            items.add(m.group());
            last = m.end();
        }
        items.add(s.substring(last));
        for (String item : items) {
            if (!item.isEmpty()) {
                int first = item.codePointAt(0);
                String head = new String(Character.toChars(first));
                out.append(PyStrings.upper(head)).append(PyStrings.lower(item.substring(head.length())));
            }
        }
        return out.toString();
    }

    private static Object indent(Object v, Args a, Environment env) {
        a.accept(3, "width", "first", "blank");
        Object width = a.get(0, "width", 4L);
        String indention = width instanceof String ? (String) width : " ".repeat((int) PyValues.asLong(width));
        String s = PyRepr.str(v) + "\n";
        List<Object> lines = new ArrayList<>(PyStrings.splitLinesForIndent(s));
        String rv;
        if (a.flag(2, "blank", false)) {
            rv = String.join("\n" + indention, lines.stream().map(Object::toString).toList());
        } else {
            StringBuilder b = new StringBuilder((String) lines.remove(0));
            if (!lines.isEmpty()) {
                b.append('\n').append(String.join("\n", lines.stream()
                        .map(l -> ((String) l).isEmpty() ? "" : indention + l).toList()));
            }
            rv = b.toString();
        }
        return a.flag(1, "first", false) ? indention + rv : rv;
    }

    /** Python's str.center: the extra space goes left when the margin and the width are odd. */
    private static String center(String s, long width) {
        long margin = width - PyStrings.length(s);
        if (margin <= 0) {
            return s;
        }
        long left = margin / 2 + (margin & width & 1);
        return " ".repeat((int) left) + s + " ".repeat((int) (margin - left));
    }

    private static Object defaultValue(Object v, Args a, Environment env) {
        a.accept(2, "default_value", "boolean");
        boolean useDefault = v instanceof Undefined || a.flag(1, "boolean", false) && !PyValues.truthy(v);
        return useDefault ? a.get(0, "default_value", "") : v;
    }

    private static Object toInt(Object v, Args a, Environment env) {
        a.accept(2, "default", "base");
        Object fallback = a.get(0, "default", 0L);
        if (v instanceof String) {
            Long parsed = PyNumbers.parseInt((String) v, (int) a.integer(1, "base", 10));
            if (parsed != null) {
                return parsed;
            }
            Double d = PyNumbers.parseFloat((String) v);
            return d == null || d.isNaN() || d.isInfinite() ? fallback : (long) (double) d;
        }
        if (PyValues.isIntLike(v)) {
            return PyValues.asLong(v);
        }
        if (v instanceof Double && !((Double) v).isNaN() && !((Double) v).isInfinite()) {
            return (long) (double) (Double) v;
        }
        return fallback;
    }

    private static Object toFloat(Object v, Object fallback) {
        if (v instanceof String) {
            Double d = PyNumbers.parseFloat((String) v);
            return d == null ? fallback : d;
        }
        return PyValues.isNumber(v) ? PyValues.asDouble(v) : fallback;
    }

    static Object abs(Object v) {
        if (v instanceof Double) {
            return Math.abs((Double) v);
        }
        if (PyValues.isIntLike(v)) {
            return Math.abs(PyValues.asLong(v));
        }
        throw JinjaError.type("bad operand type for abs(): '" + PyValues.typeName(v) + "'");
    }

    private static Object round(Object v, Args a, Environment env) {
        a.accept(2, "precision", "method");
        long precision = a.integer(0, "precision", 0);
        String method = a.string(1, "method", "common");
        if (!PyValues.isNumber(v)) {
            throw JinjaError.type("type " + PyValues.typeName(v) + " doesn't define __round__ method");
        }
        if (method.equals("common")) {
            if (PyValues.isIntLike(v)) {
                return PyValues.asLong(v);
            }
            return PyNumbers.round(PyValues.asDouble(v), precision);
        }
        double scale = Math.pow(10, precision);
        double x = PyValues.asDouble(v) * scale;
        if (method.equals("ceil")) {
            return Math.ceil(x) / scale;
        }
        if (method.equals("floor")) {
            return Math.floor(x) / scale;
        }
        throw new JinjaError("FilterArgumentError", "method must be common, ceil or floor");
    }

    /** The attr filter: attributes only, never a dict's keys. */
    private static Object attr(Object v, String name) {
        if (v instanceof Namespace || v instanceof LoopState) {
            return Access.attribute(v, name);
        }
        Object method = Methods.lookup(v, name);
        return method != null ? method : Undefined.attribute(v, name);
    }
}
