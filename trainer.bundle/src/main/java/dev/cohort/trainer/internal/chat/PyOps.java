package dev.cohort.trainer.internal.chat;

import java.util.ArrayList;
import java.util.List;

/** Python's arithmetic operators on template values, with Python's results and TypeErrors. */
final class PyOps {

    private PyOps() {
    }

    static Object binary(String op, Object a, Object b) {
        if (a instanceof Undefined) {
            throw ((Undefined) a).error();
        }
        if (b instanceof Undefined) {
            throw ((Undefined) b).error();
        }
        if (PyValues.isNumber(a) && PyValues.isNumber(b)) {
            return PyValues.isIntLike(a) && PyValues.isIntLike(b)
                    ? intOp(op, PyValues.asLong(a), PyValues.asLong(b))
                    : floatOp(op, PyValues.asDouble(a), PyValues.asDouble(b));
        }
        if (op.equals("+")) {
            return concat(a, b);
        }
        if (op.equals("*")) {
            if (PyValues.isIntLike(b) && (a instanceof String || a instanceof List)) {
                return repeat(a, PyValues.asLong(b));
            }
            if (PyValues.isIntLike(a) && (b instanceof String || b instanceof List)) {
                return repeat(b, PyValues.asLong(a));
            }
        }
        if (op.equals("%") && a instanceof String) {
            return PyFormat.percent((String) a, b);
        }
        throw unsupported(op, a, b);
    }

    private static JinjaError unsupported(String op, Object a, Object b) {
        return JinjaError.type("unsupported operand type(s) for " + op + ": '" + PyValues.typeName(a) + "' and '"
                + PyValues.typeName(b) + "'");
    }

    private static Object concat(Object a, Object b) {
        if (a instanceof String && b instanceof String) {
            return (String) a + b;
        }
        if (a instanceof String) {
            throw JinjaError.type("can only concatenate str (not \"" + PyValues.typeName(b) + "\") to str");
        }
        if (a instanceof List && b instanceof List && (a instanceof PyTuple) == (b instanceof PyTuple)) {
            List<Object> out = new ArrayList<>((List<?>) a);
            out.addAll((List<?>) b);
            return a instanceof PyTuple ? PyTuple.of(out) : out;
        }
        if (a instanceof List && !(a instanceof PyTuple)) {
            throw JinjaError.type("can only concatenate list (not \"" + PyValues.typeName(b) + "\") to list");
        }
        throw unsupported("+", a, b);
    }

    private static Object repeat(Object sequence, long times) {
        if (sequence instanceof String) {
            return times <= 0 ? "" : ((String) sequence).repeat((int) times);
        }
        List<Object> out = new ArrayList<>();
        for (long i = 0; i < times; i++) {
            out.addAll((List<?>) sequence);
        }
        return sequence instanceof PyTuple ? PyTuple.of(out) : out;
    }

    private static Object intOp(String op, long a, long b) {
        switch (op) {
            case "+":
                return Math.addExact(a, b);
            case "-":
                return Math.subtractExact(a, b);
            case "*":
                return Math.multiplyExact(a, b);
            case "/":
                if (b == 0) {
                    throw new JinjaError("ZeroDivisionError", "division by zero");
                }
                return (double) a / (double) b;
            case "//":
                if (b == 0) {
                    throw new JinjaError("ZeroDivisionError", "integer division or modulo by zero");
                }
                return Math.floorDiv(a, b);
            case "%":
                if (b == 0) {
                    throw new JinjaError("ZeroDivisionError", "integer modulo by zero");
                }
                return Math.floorMod(a, b);
            case "**":
                if (b < 0) {
                    return Math.pow(a, b);
                }
                return intPow(a, b);
            default:
                throw new IllegalArgumentException(op);
        }
    }

    private static long intPow(long base, long exponent) {
        long result = 1;
        for (long i = 0; i < exponent; i++) {
            result = Math.multiplyExact(result, base);
        }
        return result;
    }

    private static Object floatOp(String op, double a, double b) {
        switch (op) {
            case "+":
                return a + b;
            case "-":
                return a - b;
            case "*":
                return a * b;
            case "/":
                if (b == 0) {
                    throw new JinjaError("ZeroDivisionError", "float division by zero");
                }
                return a / b;
            case "//":
                if (b == 0) {
                    throw new JinjaError("ZeroDivisionError", "float floor division by zero");
                }
                return Math.floor(a / b);
            case "%":
                if (b == 0) {
                    throw new JinjaError("ZeroDivisionError", "float modulo");
                }
                double m = a % b;
                return m != 0 && (m < 0) != (b < 0) ? m + b : m;
            case "**":
                return Math.pow(a, b);
            default:
                throw new IllegalArgumentException(op);
        }
    }

    static Object negate(Object v) {
        if (v instanceof Undefined) {
            throw ((Undefined) v).error();
        }
        if (v instanceof Double) {
            return -(Double) v;
        }
        if (PyValues.isIntLike(v)) {
            return Math.negateExact(PyValues.asLong(v));
        }
        throw JinjaError.type("bad operand type for unary -: '" + PyValues.typeName(v) + "'");
    }

    /** Python's {@code seq[start:stop:step]} on a string or list; null bounds are omitted ones. */
    static Object slice(Object seq, Object start, Object stop, Object step) {
        long st = step == null ? 1 : index(step);
        if (st == 0) {
            throw JinjaError.value("slice step cannot be zero");
        }
        if (seq instanceof String) {
            int[] cps = ((String) seq).codePoints().toArray();
            StringBuilder out = new StringBuilder();
            for (long i : indices(cps.length, start, stop, st)) {
                out.appendCodePoint(cps[(int) i]);
            }
            return out.toString();
        }
        if (seq instanceof List) {
            List<?> list = (List<?>) seq;
            List<Object> out = new ArrayList<>();
            for (long i : indices(list.size(), start, stop, st)) {
                out.add(list.get((int) i));
            }
            return seq instanceof PyTuple ? PyTuple.of(out) : out;
        }
        if (seq instanceof Undefined) {
            throw ((Undefined) seq).error();
        }
        throw JinjaError.type("'" + PyValues.typeName(seq) + "' object is not subscriptable");
    }

    private static long index(Object v) {
        if (!PyValues.isIntLike(v)) {
            throw JinjaError.type("slice indices must be integers or None");
        }
        return PyValues.asLong(v);
    }

    /** The indices a slice selects, as Python's slice.indices does. */
    private static List<Long> indices(long n, Object start, Object stop, long step) {
        long lo = step > 0 ? 0 : -1;
        long hi = step > 0 ? n : n - 1;
        long s = start == null ? (step > 0 ? lo : hi) : clamp(index(start), n, lo, hi);
        long e = stop == null ? (step > 0 ? hi : lo) : clamp(index(stop), n, lo, hi);
        List<Long> out = new ArrayList<>();
        for (long i = s; step > 0 ? i < e : i > e; i += step) {
            out.add(i);
        }
        return out;
    }

    private static long clamp(long i, long n, long lo, long hi) {
        if (i < 0) {
            i += n;
        }
        return Math.max(lo, Math.min(hi, i));
    }
}
