package dev.cohort.trainer.internal.tokenizer.hf;

/**
 * A tokenizer.json's components; a null normalizer, pre-tokenizer or post-processor does
 * nothing, and without a decoder tokens are joined with spaces (as Hugging Face does).
 */
record Pipeline(Normalizer normalizer, PreTokenizer preTokenizer, BpeModel model, AddedVocabulary added,
        PostProcessor postProcessor, Decoder decoder) {
}
