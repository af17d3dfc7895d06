package dev.cohort.trainer.internal.chat;

/**
 * jinja2's default {@code Undefined}: what a missing variable, key, attribute or index evaluates
 * to. It is falsy, renders as the empty string, iterates as empty and has length 0; every other use
 * (arithmetic, attribute access, calls, ordering) raises an UndefinedError naming what was missing.
 */
final class Undefined {

    private final String kind;
    private final String message;

    private Undefined(String kind, String message) {
        this.kind = kind;
        this.message = message;
    }

    private Undefined(String message) {
        this("UndefinedError", message);
    }

    /** A variable that is not defined. */
    static Undefined name(String name) {
        return new Undefined("'" + name + "' is undefined");
    }

    /** A missing attribute or key of {@code owner}. */
    static Undefined attribute(Object owner, Object key) {
        if (key instanceof String) {
            return new Undefined("'" + PyValues.typeDescription(owner) + "' has no attribute "
                    + PyRepr.repr(key));
        }
        return new Undefined(PyValues.typeDescription(owner) + " has no element " + PyRepr.repr(key));
    }

    static Undefined hint(String message) {
        return new Undefined(message);
    }

    /** What the sandbox returns for a method that would change a list or dict: using it fails. */
    static Undefined unsafe(String message) {
        return new Undefined("SecurityError", message);
    }

    JinjaError error() {
        return new JinjaError(kind, message);
    }

    String message() {
        return message;
    }

    @Override
    public String toString() {
        return "";
    }
}
