package dev.cohort.trainer.internal.tokenizer;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Text to token ids and back, with Hugging Face's meanings: {@code encode(text, false)} is
 * {@code tokenizer(text, add_special_tokens=False)} (special tokens written in the text, such as a
 * chat template's {@code <|im_start|>}, are recognised), and {@code decode(ids, true)} is
 * {@code decode(ids, skip_special_tokens=True)}.
 */
public interface Tokenizer {

    String name();

    /** The number of ids the tokenizer can produce (highest id + 1); a model's vocabulary may be larger. */
    int vocabSize();

    /** The end-of-sequence token id. */
    int eos();

    /** Encodes text without adding the special tokens that the post-processor would add (no BOS). */
    default int[] encode(String text) {
        return encode(text, false);
    }

    /** Encodes text; {@code addSpecialTokens} adds what the tokenizer's post-processor adds (Llama's BOS). */
    int[] encode(String text, boolean addSpecialTokens);

    /** Decodes ids, leaving out special tokens such as EOS. */
    default String decode(int[] ids) {
        return decode(ids, true);
    }

    /**
     * Decodes ids. An id that names no token is an error for the built-in tokenizers; tokenizers
     * read from a tokenizer.json skip it, as Hugging Face does (a model's vocabulary is often
     * padded past the tokenizer's).
     */
    String decode(int[] ids, boolean skipSpecialTokens);

    /** The id of a token given by its vocabulary string (e.g. {@code "<|im_end|>"}). */
    OptionalInt tokenToId(String token);

    /** The vocabulary string of an id. */
    Optional<String> idToToken(int id);

    /** The ids of the special tokens (those {@code skip_special_tokens} leaves out), EOS among them. */
    Set<Integer> specialIds();

    /** Picks GPT-2's BPE for a 50257-token vocabulary. */
    static Tokenizer forVocabulary(int vocabSize) {
        if (vocabSize == Gpt2Tokenizer.VOCAB_SIZE) {
            return new Gpt2Tokenizer();
        }
        throw new IllegalArgumentException("no tokenizer known for a vocabulary of " + vocabSize
                + " (GPT-2's BPE has 50257); give the tokenizer explicitly");
    }
}
