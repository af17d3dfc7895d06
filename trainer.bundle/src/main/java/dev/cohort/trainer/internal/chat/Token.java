package dev.cohort.trainer.internal.chat;

/** One token of a template: text, a delimiter, or a piece of an expression. */
record Token(Kind kind, String value, int line) {

    enum Kind { TEXT, VAR_BEGIN, VAR_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INTEGER, FLOAT, OPERATOR, EOF }

    boolean is(Kind k, String v) {
        return kind == k && value.equals(v);
    }

    boolean isName(String v) {
        return is(Kind.NAME, v);
    }

    boolean isOp(String v) {
        return is(Kind.OPERATOR, v);
    }

    String describe() {
        switch (kind) {
            case EOF: return "end of template";
            case BLOCK_END: return "end of statement block";
            case VAR_END: return "end of print statement";
            default: return "'" + value + "'";
        }
    }
}
