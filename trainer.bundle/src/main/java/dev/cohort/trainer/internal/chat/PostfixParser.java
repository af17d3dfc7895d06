package dev.cohort.trainer.internal.chat;

import dev.cohort.trainer.internal.chat.Token.Kind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The postfix part of jinja2's expression grammar: attribute and subscript access, slices, call
 * arguments, filters ({@code |name(args)}) and tests ({@code is [not] name args}). Filters and tests
 * are checked against the environment here, as jinja2 checks them when it compiles a template.
 */
abstract class PostfixParser {

    final TokenStream ts;
    private final Environment env;

    PostfixParser(TokenStream ts, Environment env) {
        this.ts = ts;
        this.env = env;
    }

    abstract Expr expression(boolean withConditional);

    abstract Expr primary();

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

    Expr filterExpr(Expr e) {
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
