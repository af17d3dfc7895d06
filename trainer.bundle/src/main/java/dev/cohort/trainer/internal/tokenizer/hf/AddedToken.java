package dev.cohort.trainer.internal.tokenizer.hf;

/** An entry of tokenizer.json's {@code added_tokens}. */
record AddedToken(int id, String content, boolean singleWord, boolean lstrip, boolean rstrip, boolean normalized,
        boolean special) {
}
