package dev.cohort.trainer.internal.tokenizer.hf;

/** One of Hugging Face's normalizers, applied to each stretch of text between added tokens. */
@FunctionalInterface
interface Normalizer {

    String normalize(String text);
}
