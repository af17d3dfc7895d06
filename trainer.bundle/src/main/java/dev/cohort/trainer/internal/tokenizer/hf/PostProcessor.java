package dev.cohort.trainer.internal.tokenizer.hf;

/** One of Hugging Face's post-processors, for a single sequence. */
@FunctionalInterface
interface PostProcessor {

    /** The ids with what the processor adds when {@code addSpecialTokens} is set. */
    int[] process(int[] ids, boolean addSpecialTokens);
}
