package dev.cohort.trainer.internal.chat;

import dev.cohort.trainer.internal.chat.Token.Kind;
import java.util.List;

/** A cursor over the tokens of a template, with jinja2's error messages for what was expected. */
final class TokenStream {

    private final List<Token> tokens;
    private int at;

    TokenStream(List<Token> tokens) {
        this.tokens = tokens;
    }

    Token current() {
        return tokens.get(at);
    }

    Token look() {
        return tokens.get(Math.min(at + 1, tokens.size() - 1));
    }

    Token next() {
        Token t = tokens.get(at);
        if (t.kind() != Kind.EOF) {
            at++;
        }
        return t;
    }

    boolean skipOp(String op) {
        if (current().isOp(op)) {
            next();
            return true;
        }
        return false;
    }

    boolean skipName(String name) {
        if (current().isName(name)) {
            next();
            return true;
        }
        return false;
    }

    Token expect(Kind kind) {
        if (current().kind() != kind) {
            throw fail("expected " + kind.name().toLowerCase().replace('_', ' ') + ", got " + current().describe());
        }
        return next();
    }

    void expectOp(String op) {
        if (!skipOp(op)) {
            throw fail("expected '" + op + "', got " + current().describe());
        }
    }

    void expectName(String name) {
        if (!skipName(name)) {
            throw fail("expected '" + name + "', got " + current().describe());
        }
    }

    JinjaError fail(String message) {
        return new JinjaError("TemplateSyntaxError", message, current().line());
    }
}
