package dev.cohort.trainer.internal.chat;

import dev.cohort.trainer.internal.chat.Token.Kind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * jinja2's expression grammar, by precedence from loosest: conditional, or, and, not, comparison,
 * + and -, ~, * / // %, **, unary - and +, then primaries with attribute, subscript and call
 * postfixes, then filters ({@code |}) and tests ({@code is}).
 */
class ExprParser {

    private static final Set<String> COMPARE = Set.of("==", "!=", "<", "<=", ">", ">=");

    final TokenStream ts;
    private final Environment env;

    ExprParser(TokenStream ts, Environment env) {
        this.ts = ts;
        this.env = env;
    }

    Expr expression(boolean withConditional) {
        return withConditional ? conditional() : or();
    }

    private Expr conditional() {
        Expr e = or();
        while (ts.skipName("if")) {
            Expr test = or();
            Expr otherwise = ts.skipName("else") ? conditional() : null;
            e = new Expr.Conditional(test, e, otherwise);
        }
        return e;
    }

    private Expr or() {
        Expr e = and();
        while (ts.skipName("or")) {
            e = new Expr.Logic(e, and(), false);
        }
        return e;
    }

    private Expr and() {
        Expr e = not();
        while (ts.skipName("and")) {
            e = new Expr.Logic(e, not(), true);
        }
        return e;
    }

    private Expr not() {
        if (ts.skipName("not")) {
            return new Expr.Not(not());
        }
        return compare();
    }

    private Expr compare() {
        Expr first = math1();
        List<String> ops = new ArrayList<>();
        List<Expr> operands = new ArrayList<>();
        while (true) {
            Token t = ts.current();
            if (t.kind() == Kind.OPERATOR && COMPARE.contains(t.value())) {
                ts.next();
                ops.add(t.value());
            } else if (ts.skipName("in")) {
                ops.add("in");
            } else if (t.isName("not") && ts.look().isName("in")) {
                ts.next();
                ts.next();
                ops.add("not in");
            } else {
                break;
            }
            operands.add(math1());
        }
        return ops.isEmpty() ? first : new Expr.Compare(first, ops, operands);
    }

    private Expr math1() {
        Expr e = concat();
        while (ts.current().isOp("+") || ts.current().isOp("-")) {
            String op = ts.next().value();
            e = new Expr.Binary(op, e, concat());
        }
        return e;
    }

    private Expr concat() {
        List<Expr> parts = new ArrayList<>(List.of(math2()));
        while (ts.skipOp("~")) {
            parts.add(math2());
        }
        return parts.size() == 1 ? parts.get(0) : new Expr.Concat(parts);
    }

    private Expr math2() {
        Expr e = pow();
        while (Set.of("*", "/", "//", "%").contains(ts.current().value()) && ts.current().kind() == Kind.OPERATOR) {
            String op = ts.next().value();
            e = new Expr.Binary(op, e, pow());
        }
        return e;
    }

    private Expr pow() {
        Expr e = unary(true);
        while (ts.skipOp("**")) {
            e = new Expr.Binary("**", e, unary(true));
        }
        return e;
    }

    private Expr unary(boolean withFilter) {
        Expr e;
        if (ts.skipOp("-")) {
            e = new Expr.Negate(unary(false));
        } else if (ts.skipOp("+")) {
            e = new Expr.Plus(unary(false));
        } else {
            e = primary();
        }
        e = postfix(e);
        return withFilter ? filterExpr(e) : e;
    }

    Expr primary() {
        Token t = ts.next();
        switch (t.kind()) {
            case NAME:
                switch (t.value()) {
                    case "true": case "True": return new Expr.Const(true);
                    case "false": case "False": return new Expr.Const(false);
                    case "none": case "None": return new Expr.Const(null);
                    default: return new Expr.Name(t.value());
                }
            case STRING: {
                StringBuilder s = new StringBuilder(t.value());
                while (ts.current().kind() == Kind.STRING) {
                    s.append(ts.next().value());
                }
                return new Expr.Const(s.toString());
            }
            case INTEGER:
                return new Expr.Const(Long.parseLong(t.value()));
            case FLOAT:
                return new Expr.Const(Double.parseDouble(t.value()));
            case OPERATOR:
                if (t.value().equals("(")) {
                    Expr e = tuple(true, null, true);
                    ts.expectOp(")");
                    return e;
                } else if (t.value().equals("[")) {
                    return list();
                } else if (t.value().equals("{")) {
                    return dict();
                }
                break;
            default:
                break;
        }
        throw new JinjaError("TemplateSyntaxError", "unexpected " + t.describe(), t.line());
    }

    /**
     * Comma-separated expressions: a tuple when there is a comma. {@code endNames} are names that
     * end it (for loops: "in", "recursive").
     */
    Expr tuple(boolean withConditional, Set<String> endNames, boolean explicitParentheses) {
        List<Expr> items = new ArrayList<>();
        boolean isTuple = false;
        while (true) {
            if (!items.isEmpty()) {
                ts.expectOp(",");
            }
            if (tupleEnd(endNames)) {
                break;
            }
            items.add(expression(withConditional));
            if (ts.current().isOp(",")) {
                isTuple = true;
            } else {
                break;
            }
        }
        if (!isTuple) {
            if (!items.isEmpty()) {
                return items.get(0);
            }
            if (!explicitParentheses) {
                throw ts.fail("Expected an expression, got " + ts.current().describe());
            }
        }
        return new Expr.ListLiteral(items, true);
    }

    private boolean tupleEnd(Set<String> endNames) {
        Token t = ts.current();
        return t.kind() == Kind.VAR_END || t.kind() == Kind.BLOCK_END || t.isOp(")")
                || endNames != null && t.kind() == Kind.NAME && endNames.contains(t.value());
    }

    private Expr list() {
        List<Expr> items = new ArrayList<>();
        while (!ts.current().isOp("]")) {
            if (!items.isEmpty()) {
                ts.expectOp(",");
            }
            if (ts.current().isOp("]")) {
                break;
            }
            items.add(expression(true));
        }
        ts.expectOp("]");
        return new Expr.ListLiteral(items, false);
    }

    private Expr dict() {
        List<Expr> keys = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (!ts.current().isOp("}")) {
            if (!keys.isEmpty()) {
                ts.expectOp(",");
            }
            if (ts.current().isOp("}")) {
                break;
            }
            keys.add(expression(true));
            ts.expectOp(":");
            values.add(expression(true));
        }
        ts.expectOp("}");
        return new Expr.DictLiteral(keys, values);
    }

    Expr postfix(Expr e) {
        while (true) {
            Token t = ts.current();
            if (t.isOp(".") || t.isOp("[")) {
                e = subscript(e);
            } else if (t.isOp("(")) {
                e = call(e);
            } else {
                return e;
            }
        }
    }

    private Expr filterExpr(Expr e) {
        while (true) {
            Token t = ts.current();
            if (t.isOp("|")) {
                e = filter(e);
            } else if (t.isName("is")) {
                e = test(e);
            } else if (t.isOp("(")) {
                e = call(e);
            } else {
                return e;
            }
        }
    }

    private Expr subscript(Expr e) {
        Token t = ts.next();
        if (t.isOp(".")) {
            Token attr = ts.next();
            if (attr.kind() == Kind.NAME) {
                return new Expr.Attribute(e, attr.value());
            }
            if (attr.kind() == Kind.INTEGER) {
                return new Expr.Item(e, new Expr.Const(Long.parseLong(attr.value())));
            }
            throw new JinjaError("TemplateSyntaxError", "expected name or number", attr.line());
        }
        Expr result = subscribed(e);
        ts.expectOp("]");
        return result;
    }

    /** The inside of {@code [...]}: an index or a slice {@code start:stop:step}. */
    private Expr subscribed(Expr target) {
        Expr start = null;
        if (!ts.current().isOp(":")) {
            start = expression(true);
            if (!ts.current().isOp(":")) {
                if (ts.current().isOp(",")) {
                    throw ts.fail("tuple subscripts are not supported");
                }
                return new Expr.Item(target, start);
            }
        }
        ts.expectOp(":");
        Expr stop = sliceEnd() ? null : expression(true);
        Expr step = null;
        if (ts.skipOp(":")) {
            step = sliceEnd() ? null : expression(true);
        }
        return new Expr.Slice(target, start, stop, step);
    }

    private boolean sliceEnd() {
        Token t = ts.current();
        return t.isOp("]") || t.isOp(",") || t.isOp(":");
    }

    Expr.Call call(Expr callee) {
        ts.expectOp("(");
        List<Expr> args = new ArrayList<>();
        Map<String, Expr> kwargs = new LinkedHashMap<>();
        callArgs(args, kwargs);
        return new Expr.Call(callee, args, kwargs);
    }

    /** The arguments up to and including ')'. */
    void callArgs(List<Expr> args, Map<String, Expr> kwargs) {
        while (!ts.current().isOp(")")) {
            if (!args.isEmpty() || !kwargs.isEmpty()) {
                ts.expectOp(",");
                if (ts.current().isOp(")")) {
                    break;
                }
            }
            if (ts.current().kind() == Kind.NAME && ts.look().isOp("=")) {
                String key = ts.next().value();
                ts.next();
                kwargs.put(key, expression(true));
            } else if (!kwargs.isEmpty()) {
                throw ts.fail("positional argument follows keyword argument");
            } else {
                args.add(expression(true));
            }
        }
        ts.expectOp(")");
    }

    Expr.Filter filter(Expr value) {
        Expr.Filter f = null;
        Expr e = value;
        while (ts.skipOp("|")) {
            f = oneFilter(e);
            e = f;
        }
        return f;
    }

    /** One filter application, {@code name} or {@code name(args)}, to {@code value}. */
    Expr.Filter oneFilter(Expr value) {
        Token name = ts.expect(Kind.NAME);
        if (!env.hasFilter(name.value())) {
            throw new JinjaError("TemplateAssertionError", "No filter named '" + name.value() + "'.", name.line());
        }
        List<Expr> args = new ArrayList<>();
        Map<String, Expr> kwargs = new LinkedHashMap<>();
        if (ts.skipOp("(")) {
            callArgs(args, kwargs);
        }
        return new Expr.Filter(value, name.value(), args, kwargs);
    }

    private Expr test(Expr value) {
        ts.next();
        boolean negated = ts.skipName("not");
        Token name = ts.expect(Kind.NAME);
        if (!env.hasTest(name.value())) {
            throw new JinjaError("TemplateAssertionError", "No test named '" + name.value() + "'.", name.line());
        }
        List<Expr> args = new ArrayList<>();
        Map<String, Expr> kwargs = new LinkedHashMap<>();
        Token t = ts.current();
        if (ts.skipOp("(")) {
            callArgs(args, kwargs);
        } else if ((t.kind() == Kind.NAME || t.kind() == Kind.STRING || t.kind() == Kind.INTEGER
                || t.kind() == Kind.FLOAT || t.isOp("(") || t.isOp("[") || t.isOp("{"))
                && !t.isName("else") && !t.isName("or") && !t.isName("and")) {
            if (t.isName("is")) {
                throw ts.fail("You cannot chain multiple tests with is");
            }
            args.add(postfix(primary()));
        }
        Expr test = new Expr.Test(value, name.value(), args, kwargs);
        return negated ? new Expr.Not(test) : test;
    }
}
