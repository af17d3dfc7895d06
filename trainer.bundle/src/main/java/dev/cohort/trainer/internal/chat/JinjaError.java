package dev.cohort.trainer.internal.chat;

/**
 * An error while parsing or rendering a template. The line is attached by the innermost statement
 * that sees the error; {@link ChatTemplate} turns it into a {@link ChatTemplateException} naming
 * the template.
 */
final class JinjaError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** What jinja2 would raise: TemplateSyntaxError, UndefinedError, TypeError, ... */
    private final String kind;
    private int line;

    JinjaError(String kind, String message) {
        this(kind, message, 0);
    }

    JinjaError(String kind, String message, int line) {
        super(message);
        this.kind = kind;
        this.line = line;
    }

    static JinjaError type(String message) {
        return new JinjaError("TypeError", message);
    }

    static JinjaError value(String message) {
        return new JinjaError("ValueError", message);
    }

    String kind() {
        return kind;
    }

    int line() {
        return line;
    }

    /** Attaches the line of the statement being rendered, unless a deeper one already did. */
    JinjaError at(int statementLine) {
        if (line == 0) {
            line = statementLine;
        }
        return this;
    }
}
