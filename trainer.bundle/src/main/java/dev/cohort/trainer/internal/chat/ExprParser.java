package dev.cohort.trainer.internal.chat;

import dev.cohort.trainer.internal.chat.Token.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * jinja2's expression grammar, by precedence from loosest: conditional, or, and, not, comparison,
 * + and -, ~, * / // %, **, unary - and +, then primaries with attribute, subscript and call
 * postfixes, then filters ({@code |}) and tests ({@code is}).
 */
class ExprParser extends PostfixParser {

    private static final Set<String> COMPARE = Set.of("==", "!=", "<", "<=", ">", ">=");

    ExprParser(TokenStream ts, Environment env) {
        super(ts, env);
    }

    @Override
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

    @Override
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
}
