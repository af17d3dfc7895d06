package dev.cohort.trainer.internal.tokenizer;

/** Text to token ids and back. */
public interface Tokenizer {

    String name();

    int vocabSize();

    /** The end-of-sequence token id. */
    int eos();

    /** Encodes plain text; special-token text such as "<|endoftext|>" is encoded as ordinary text. */
    int[] encode(String text);

    /** Decodes ids; the EOS id decodes to nothing. */
    String decode(int[] ids);

    /** Picks GPT-2's BPE for a 50257-token vocabulary. */
    static Tokenizer forVocabulary(int vocabSize) {
        if (vocabSize == Gpt2Tokenizer.VOCAB_SIZE) {
            return new Gpt2Tokenizer();
        }
        throw new IllegalArgumentException("no tokenizer known for a vocabulary of " + vocabSize
                + " (GPT-2's BPE has 50257); give the tokenizer explicitly");
    }
}
