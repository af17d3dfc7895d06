package dev.cohort.trainer.internal.tokenizer.hf;

/**
 * Text on its way through pre-tokenization. {@code first} says the piece begins at offset 0 of the
 * encoded input (Metaspace's {@code prepend_scheme: first} prepends only there).
 */
record Piece(String text, boolean first) {
}
