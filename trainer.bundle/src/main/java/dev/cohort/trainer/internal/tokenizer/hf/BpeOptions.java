package dev.cohort.trainer.internal.tokenizer.hf;

/** The BPE model's settings besides vocabulary and merges; {@code unkId} is -1 without an unknown token. */
record BpeOptions(int unkId, boolean fuseUnk, boolean byteFallback, boolean ignoreMerges,
        String continuingSubwordPrefix, String endOfWordSuffix) {
}
