package dev.cohort.core.internal.delivery;

/** A published event with the sequence number core gave it. */
record Sequenced<E>(long seq, E event) {
}
