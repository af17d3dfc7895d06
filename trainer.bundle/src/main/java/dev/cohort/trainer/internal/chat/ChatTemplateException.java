package dev.cohort.trainer.internal.chat;

/**
 * A chat template that could not be loaded, parsed or rendered. The message names the template's
 * origin and line; for {@code raise_exception(...)} it carries the template's own message.
 */
public final class ChatTemplateException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String kind;
    private final String templateMessage;
    private final int line;

    ChatTemplateException(String origin, JinjaError e) {
        super(origin + (e.line() > 0 ? ":" + e.line() : "") + ": "
                + (e.kind().equals("TemplateError") ? "the template raised an error: " : e.kind() + ": ")
                + e.getMessage(), e);
        this.kind = e.kind();
        this.templateMessage = e.getMessage();
        this.line = e.line();
    }

    /** What jinja2 would have raised: TemplateError (raise_exception), UndefinedError, TypeError, ... */
    public String kind() {
        return kind;
    }

    /** The message alone, e.g. the text a template passed to raise_exception. */
    public String templateMessage() {
        return templateMessage;
    }

    /** The template line of the statement that failed, or 0 if unknown. */
    public int line() {
        return line;
    }
}
