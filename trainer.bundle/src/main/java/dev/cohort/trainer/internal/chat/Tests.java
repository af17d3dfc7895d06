package dev.cohort.trainer.internal.chat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** jinja2's built-in tests ({@code x is defined}, {@code x is string}, ...). */
final class Tests {

    interface Test {
        boolean test(Object value, Args args, Environment env);
    }

    private Tests() {
    }

    static Map<String, Test> all() {
        Map<String, Test> t = new HashMap<>();
        t.put("defined", (v, a, e) -> !(v instanceof Undefined));
        t.put("undefined", (v, a, e) -> v instanceof Undefined);
        t.put("none", (v, a, e) -> v == null);
        t.put("boolean", (v, a, e) -> v instanceof Boolean);
        t.put("true", (v, a, e) -> Boolean.TRUE.equals(v));
        t.put("false", (v, a, e) -> Boolean.FALSE.equals(v));
        t.put("integer", (v, a, e) -> v instanceof Long);
        t.put("float", (v, a, e) -> v instanceof Double);
        t.put("number", (v, a, e) -> PyValues.isNumber(v));
        t.put("string", (v, a, e) -> v instanceof String);
        t.put("mapping", (v, a, e) -> v instanceof Map);
        t.put("iterable", (v, a, e) -> v instanceof String || v instanceof List || v instanceof Map
                || v instanceof Undefined);
        t.put("sequence", (v, a, e) -> v instanceof String || v instanceof List || v instanceof Map
                || v instanceof Undefined);
        t.put("callable", (v, a, e) -> v instanceof PyCallable || v instanceof Namespace);
        t.put("escaped", (v, a, e) -> false);
        t.put("odd", (v, a, e) -> Math.floorMod(integer(v), 2) == 1);
        t.put("even", (v, a, e) -> Math.floorMod(integer(v), 2) == 0);
        t.put("divisibleby", (v, a, e) -> Math.floorMod(integer(v), integer(a.required(0, "num"))) == 0);
        t.put("lower", (v, a, e) -> lowerOrUpper(PyRepr.str(v), true));
        t.put("upper", (v, a, e) -> lowerOrUpper(PyRepr.str(v), false));
        t.put("sameas", (v, a, e) -> sameAs(v, a.required(0, "other")));
        t.put("in", (v, a, e) -> PyValues.contains(a.required(0, "seq"), v));
        t.put("filter", (v, a, e) -> v instanceof String && e.hasFilter((String) v));
        t.put("test", (v, a, e) -> v instanceof String && e.hasTest((String) v));
        compare(t, "==", "eq", "equalto");
        compare(t, "!=", "ne");
        compare(t, "<", "lt", "lessthan");
        compare(t, "<=", "le");
        compare(t, ">", "gt", "greaterthan");
        compare(t, ">=", "ge");
        return t;
    }

    private static void compare(Map<String, Test> t, String op, String... names) {
        Test test = (v, a, e) -> Expr.Compare.compare(op, v, a.required(0, "other"));
        t.put(op, test);
        for (String n : names) {
            t.put(n, test);
        }
    }

    private static long integer(Object v) {
        if (v instanceof Undefined) {
            throw ((Undefined) v).error();
        }
        if (!PyValues.isIntLike(v)) {
            throw JinjaError.type("expected an int, got " + PyValues.typeName(v));
        }
        return PyValues.asLong(v);
    }

    private static boolean lowerOrUpper(String s, boolean lower) {
        boolean cased = s.codePoints().anyMatch(cp -> lower ? Character.isLowerCase(cp) : Character.isUpperCase(cp));
        return cased && s.equals(lower ? PyStrings.lower(s) : PyStrings.upper(s));
    }

    /** Python's {@code is}: singletons and small values compare by value, the rest by identity. */
    private static boolean sameAs(Object a, Object b) {
        if (a == null || b == null || a instanceof Boolean || b instanceof Boolean) {
            return a == b || a != null && a.equals(b);
        }
        return a == b;
    }
}
