package dev.cohort.trainer.internal.chat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An expression of the template; evaluating it follows Python's and jinja2's rules. */
interface Expr {

    Object eval(Frame f);

    record Const(Object value) implements Expr {
        public Object eval(Frame f) {
            return value;
        }
    }

    record Name(String name) implements Expr {
        public Object eval(Frame f) {
            return f.resolve(name);
        }
    }

    record ListLiteral(List<Expr> items, boolean tuple) implements Expr {
        public Object eval(Frame f) {
            List<Object> out = new ArrayList<>();
            for (Expr e : items) {
                out.add(e.eval(f));
            }
            return tuple ? PyTuple.of(out) : out;
        }
    }

    record DictLiteral(List<Expr> keys, List<Expr> values) implements Expr {
        public Object eval(Frame f) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (int i = 0; i < keys.size(); i++) {
                Object k = keys.get(i).eval(f);
                if (k instanceof List && !(k instanceof PyTuple) || k instanceof Map || k instanceof Undefined) {
                    throw JinjaError.type("unhashable type: '" + PyValues.typeName(k) + "'");
                }
                Object existing = PyValues.findKey(out, k);
                out.put(existing != null || out.containsKey(k) ? existing : k, values.get(i).eval(f));
            }
            return out;
        }
    }

    record Attribute(Expr target, String name) implements Expr {
        public Object eval(Frame f) {
            return Access.attribute(target.eval(f), name);
        }
    }

    record Item(Expr target, Expr key) implements Expr {
        public Object eval(Frame f) {
            return Access.item(target.eval(f), key.eval(f));
        }
    }

    /** {@code target[start:stop:step]}; null parts are omitted ones. */
    record Slice(Expr target, Expr start, Expr stop, Expr step) implements Expr {
        public Object eval(Frame f) {
            Object seq = target.eval(f);
            return PyOps.slice(seq, part(start, f), part(stop, f), part(step, f));
        }

        private static Object part(Expr e, Frame f) {
            return e == null ? null : e.eval(f);
        }
    }

    record Call(Expr callee, List<Expr> args, Map<String, Expr> kwargs) implements Expr {
        public Object eval(Frame f) {
            Object fn = callee.eval(f);
            List<Object> a = evalAll(args, f);
            Map<String, Object> k = evalAll(kwargs, f);
            if (fn instanceof PyCallable) {
                return ((PyCallable) fn).call(a, k);
            }
            if (fn instanceof Undefined) {
                throw ((Undefined) fn).error();
            }
            throw JinjaError.type("'" + PyValues.typeName(fn) + "' object is not callable");
        }
    }

    record Filter(Expr value, String name, List<Expr> args, Map<String, Expr> kwargs) implements Expr {
        public Object eval(Frame f) {
            Object v = value == null ? null : value.eval(f);
            return f.env().applyFilter(name, v, new Args(name, evalAll(args, f), evalAll(kwargs, f)));
        }

        /** This filter applied to a value computed elsewhere (filter blocks, block set). */
        Object applyTo(Object v, Frame f) {
            Object inner = value == null ? v : ((Filter) value).applyTo(v, f);
            return f.env().applyFilter(name, inner, new Args(name, evalAll(args, f), evalAll(kwargs, f)));
        }
    }

    record Test(Expr value, String name, List<Expr> args, Map<String, Expr> kwargs) implements Expr {
        public Object eval(Frame f) {
            Object v = value.eval(f);
            return f.env().applyTest(name, v, new Args(name, evalAll(args, f), evalAll(kwargs, f)));
        }
    }

    record Not(Expr operand) implements Expr {
        public Object eval(Frame f) {
            return !PyValues.truthy(operand.eval(f));
        }
    }

    record Negate(Expr operand) implements Expr {
        public Object eval(Frame f) {
            return PyOps.negate(operand.eval(f));
        }
    }

    record Plus(Expr operand) implements Expr {
        public Object eval(Frame f) {
            Object v = operand.eval(f);
            if (v instanceof Undefined) {
                throw ((Undefined) v).error();
            }
            if (!PyValues.isNumber(v)) {
                throw JinjaError.type("bad operand type for unary +: '" + PyValues.typeName(v) + "'");
            }
            return v instanceof Boolean ? PyValues.asLong(v) : v;
        }
    }

    /** {@code and} / {@code or}: Python's short-circuit, returning an operand. */
    record Logic(Expr left, Expr right, boolean and) implements Expr {
        public Object eval(Frame f) {
            Object l = left.eval(f);
            return PyValues.truthy(l) == and ? right.eval(f) : l;
        }
    }

    record Binary(String op, Expr left, Expr right) implements Expr {
        public Object eval(Frame f) {
            try {
                return PyOps.binary(op, left.eval(f), right.eval(f));
            } catch (ArithmeticException e) {
                throw new JinjaError("OverflowError", "integer result of " + op + " is out of the 64-bit range");
            }
        }
    }

    /** {@code a ~ b ~ c}: the str() of each, joined. */
    record Concat(List<Expr> parts) implements Expr {
        public Object eval(Frame f) {
            StringBuilder out = new StringBuilder();
            for (Expr e : parts) {
                out.append(PyRepr.str(e.eval(f)));
            }
            return out.toString();
        }
    }

    /** A comparison chain {@code a < b <= c}, as Python evaluates it. */
    record Compare(Expr first, List<String> ops, List<Expr> operands) implements Expr {
        public Object eval(Frame f) {
            Object left = first.eval(f);
            for (int i = 0; i < ops.size(); i++) {
                Object right = operands.get(i).eval(f);
                if (!compare(ops.get(i), left, right)) {
                    return false;
                }
                left = right;
            }
            return true;
        }

        static boolean compare(String op, Object a, Object b) {
            switch (op) {
                case "==": return PyValues.equal(a, b);
                case "!=": return !PyValues.equal(a, b);
                case "<": return PyValues.compare(a, b, op) < 0;
                case "<=": return PyValues.compare(a, b, op) <= 0;
                case ">": return PyValues.compare(a, b, op) > 0;
                case ">=": return PyValues.compare(a, b, op) >= 0;
                case "in": return PyValues.contains(b, a);
                case "not in": return !PyValues.contains(b, a);
                default: throw new IllegalArgumentException(op);
            }
        }
    }

    /** {@code a if cond else b}; without else, Undefined when the condition is false. */
    record Conditional(Expr test, Expr then, Expr otherwise) implements Expr {
        public Object eval(Frame f) {
            if (PyValues.truthy(test.eval(f))) {
                return then.eval(f);
            }
            return otherwise == null ? Undefined.hint("the inline if-expression evaluated to false and no "
                    + "else section was defined.") : otherwise.eval(f);
        }
    }

    static List<Object> evalAll(List<Expr> exprs, Frame f) {
        List<Object> out = new ArrayList<>();
        for (Expr e : exprs) {
            out.add(e.eval(f));
        }
        return out;
    }

    static Map<String, Object> evalAll(Map<String, Expr> exprs, Frame f) {
        Map<String, Object> out = new LinkedHashMap<>();
        exprs.forEach((k, e) -> out.put(k, e.eval(f)));
        return out;
    }
}
