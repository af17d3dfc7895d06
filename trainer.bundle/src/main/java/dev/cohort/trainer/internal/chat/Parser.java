package dev.cohort.trainer.internal.chat;

import dev.cohort.trainer.internal.chat.Token.Kind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * jinja2's statement grammar for the tags chat templates use: if/elif/else, for (with a filter
 * and else), set (plain, namespace attribute, block), macro, call, filter, with, print, break,
 * continue, and transformers' generation block. Unknown tags, filters and tests are refused here,
 * as jinja2 refuses them when it compiles the template.
 */
final class Parser extends ExprParser {

    private Parser(List<Token> tokens, Environment env) {
        super(new TokenStream(tokens), env);
    }

    static List<Stmt> parse(String source, Environment env) {
        Parser p = new Parser(Lexer.tokenize(source), env);
        List<Stmt> body = p.subparse(Set.of());
        if (p.ts.current().kind() != Kind.EOF) {
            throw p.ts.fail("Encountered unknown tag '" + p.ts.current().value() + "'.");
        }
        return body;
    }

    /** Statements up to a block tag named in {@code endTags} (left current) or the end. */
    private List<Stmt> subparse(Set<String> endTags) {
        List<Stmt> body = new ArrayList<>();
        while (true) {
            Token t = ts.current();
            if (t.kind() == Kind.EOF) {
                return body;
            }
            ts.next();
            if (t.kind() == Kind.TEXT) {
                body.add(new Stmt.Text(t.value(), t.line()));
            } else if (t.kind() == Kind.VAR_BEGIN) {
                body.add(new Stmt.Output(tuple(true, null, false), t.line()));
                ts.expect(Kind.VAR_END);
            } else {
                Token tag = ts.current();
                if (tag.kind() == Kind.NAME && endTags.contains(tag.value())) {
                    return body;
                }
                body.add(statement());
            }
        }
    }

    /** The rest of the tag, then the body up to one of {@code endTags}; drops the end tag's name. */
    private List<Stmt> body(Set<String> endTags, boolean dropEnd) {
        ts.expect(Kind.BLOCK_END);
        List<Stmt> body = subparse(endTags);
        if (ts.current().kind() == Kind.EOF) {
            throw ts.fail("Unexpected end of template. Jinja was looking for the following tags: "
                    + String.join(" or ", endTags.stream().sorted().map(s -> "'" + s + "'").toList()) + ".");
        }
        if (dropEnd) {
            ts.next();
            ts.expect(Kind.BLOCK_END);
        }
        return body;
    }

    private Stmt statement() {
        Token tag = ts.expect(Kind.NAME);
        int line = tag.line();
        switch (tag.value()) {
            case "if": return ifStatement(line);
            case "for": return forStatement(line);
            case "set": return setStatement(line);
            case "macro": return macro(line);
            case "call": return callBlock(line);
            case "filter": return filterBlock(line);
            case "with": return with(line);
            case "generation":
                return new Stmt.Block(body(Set.of("endgeneration"), true), Map.of(), false, line);
            case "print": {
                Stmt s = new Stmt.Output(tuple(true, null, false), line);
                ts.expect(Kind.BLOCK_END);
                return s;
            }
            case "break":
            case "continue":
                ts.expect(Kind.BLOCK_END);
                return new Stmt.LoopControl(tag.value().equals("break") ? Stmt.Signal.BREAK : Stmt.Signal.CONTINUE,
                        line);
            default:
                throw new JinjaError("TemplateSyntaxError", "Encountered unknown tag '" + tag.value()
                        + "' (a chat template cannot use it here).", line);
        }
    }

    private Stmt ifStatement(int line) {
        List<Expr> tests = new ArrayList<>();
        List<List<Stmt>> bodies = new ArrayList<>();
        List<Stmt> otherwise = List.of();
        while (true) {
            tests.add(tuple(false, null, false));
            bodies.add(body(Set.of("elif", "else", "endif"), false));
            String end = ts.next().value();
            if (end.equals("elif")) {
                continue;
            }
            if (end.equals("else")) {
                otherwise = body(Set.of("endif"), true);
            } else {
                ts.expect(Kind.BLOCK_END);
            }
            return new Stmt.If(tests, bodies, otherwise, line);
        }
    }

    private Stmt forStatement(int line) {
        Target target = assignTarget(Set.of("in"), false);
        ts.expectName("in");
        Expr iterable = tuple(false, Set.of("recursive"), false);
        Expr filter = ts.skipName("if") ? expression(true) : null;
        if (ts.current().isName("recursive")) {
            throw ts.fail("recursive for loops are not supported");
        }
        List<Stmt> body = body(Set.of("endfor", "else"), false);
        List<Stmt> otherwise = List.of();
        if (ts.next().value().equals("else")) {
            otherwise = body(Set.of("endfor"), true);
        } else {
            ts.expect(Kind.BLOCK_END);
        }
        return new Stmt.For(target, iterable, filter, body, otherwise, line);
    }

    private Stmt setStatement(int line) {
        Target target = assignTarget(null, true);
        if (ts.skipOp("=")) {
            Expr value = tuple(true, null, false);
            ts.expect(Kind.BLOCK_END);
            return new Stmt.Set(target, value, line);
        }
        Expr.Filter filter = filter(null);
        return new Stmt.SetBlock(target, filter, body(Set.of("endset"), true), line);
    }

    /** A name, {@code ns.attr} (set only), or names separated by commas, possibly parenthesised. */
    private Target assignTarget(Set<String> endNames, boolean allowNamespace) {
        if (allowNamespace && ts.current().kind() == Kind.NAME && ts.look().isOp(".")) {
            String name = ts.next().value();
            ts.next();
            return Target.attribute(name, ts.expect(Kind.NAME).value());
        }
        List<Target> parts = new ArrayList<>();
        boolean tuple = false;
        while (true) {
            parts.add(targetPart());
            if (!ts.skipOp(",")) {
                break;
            }
            tuple = true;
            Token t = ts.current();
            if (t.isOp("=") || endNames != null && t.kind() == Kind.NAME && endNames.contains(t.value())) {
                break;
            }
        }
        return tuple ? Target.tuple(parts) : parts.get(0);
    }

    private Target targetPart() {
        if (ts.skipOp("(")) {
            Target inner = assignTarget(null, false);
            ts.expectOp(")");
            return inner.parts() == null ? Target.tuple(List.of(inner)) : inner;
        }
        Token name = ts.expect(Kind.NAME);
        if (Set.of("true", "false", "none", "True", "False", "None").contains(name.value())) {
            throw new JinjaError("TemplateSyntaxError", "can't assign to '" + name.value() + "'", name.line());
        }
        return Target.name(name.value());
    }

    private Stmt macro(int line) {
        String name = ts.expect(Kind.NAME).value();
        Macro m = macroSignature(name, true);
        return new Stmt.MacroDef(name, new Macro(name, m.params(), m.defaults(), body(Set.of("endmacro"), true)),
                line);
    }

    /** Parameters {@code (a, b=default)}; body left empty. */
    private Macro macroSignature(String name, boolean required) {
        List<String> params = new ArrayList<>();
        Map<String, Expr> defaults = new LinkedHashMap<>();
        if (required || ts.current().isOp("(")) {
            ts.expectOp("(");
            while (!ts.skipOp(")")) {
                if (!params.isEmpty()) {
                    ts.expectOp(",");
                }
                String p = ts.expect(Kind.NAME).value();
                params.add(p);
                if (ts.skipOp("=")) {
                    defaults.put(p, expression(true));
                }
            }
        }
        return new Macro(name, params, defaults, List.of());
    }

    private Stmt callBlock(int line) {
        Macro signature = macroSignature("caller", false);
        Expr call = expression(true);
        if (!(call instanceof Expr.Call)) {
            throw ts.fail("expected call");
        }
        List<Stmt> body = body(Set.of("endcall"), true);
        return new Stmt.CallBlock((Expr.Call) call,
                new Macro("caller", signature.params(), signature.defaults(), body), line);
    }

    private Stmt filterBlock(int line) {
        Expr.Filter f = oneFilter(null);
        while (ts.skipOp("|")) {
            f = oneFilter(f);
        }
        return new Stmt.FilterBlock(f, body(Set.of("endfilter"), true), line);
    }

    private Stmt with(int line) {
        Map<String, Expr> locals = new LinkedHashMap<>();
        while (ts.current().kind() != Kind.BLOCK_END) {
            if (!locals.isEmpty()) {
                ts.expectOp(",");
            }
            String name = ts.expect(Kind.NAME).value();
            ts.expectOp("=");
            locals.put(name, expression(true));
        }
        return new Stmt.Block(body(Set.of("endwith"), true), locals, true, line);
    }
}
