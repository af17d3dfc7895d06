package dev.cohort.vllm.internal.worker;

import java.util.Locale;

/**
 * Faults a Java worker can inject, for tests of the bridge only ({@code --fault NAME}): each
 * reproduces one way a real worker misbehaves.
 */
enum Fault {
    /** No fault: the worker behaves. */
    NONE,
    /** generate throws; the worker answers error {@code internal} and keeps serving. */
    RAISE,
    /** A line that is not JSON is written before every generate reply. */
    GARBAGE,
    /** Every reply is sent twice. */
    DOUBLE,
    /** Every fire_and_forget is answered with a reply carrying an id the client never issued. */
    ANSWER_FF,
    /** generate is never answered. */
    HANG,
    /** The process exits with status 137 in the middle of generate (as after kill -9). */
    DIE,
    /** Every generate reply's first token id is the vocabulary size: one past the last valid id. */
    BAD_IDS;

    static Fault parse(String s) {
        for (Fault f : values()) {
            if (f.option().equals(s)) {
                return f;
            }
        }
        StringBuilder known = new StringBuilder();
        for (Fault f : values()) {
            known.append(known.length() == 0 ? "" : ", ").append(f.option());
        }
        throw new IllegalArgumentException("--fault: unknown fault '" + s + "'; known: " + known);
    }

    String option() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
