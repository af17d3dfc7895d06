package dev.cohort.trainer.internal.tokenizer.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The Java tokenizer.json implementation against Hugging Face's Rust tokenizers on the test
 * corpus: ids line by line and for the whole text, with and without special tokens, and decoding
 * with and without skip_special_tokens.
 */
class ConformanceTest {

    @Test
    void qwen3() throws IOException {
        check("qwen3", Reference.resource("qwen3.tokenizer.json.gz"), NFC);
    }

    @Test
    void gpt2() throws IOException {
        check("gpt2", GPT2.get(), UnaryOperator.identity());
    }

    @Test
    void sentencePieceLegacy() throws IOException {
        check("sp-bpe-legacy", Reference.resource("sp-bpe-legacy.tokenizer.json.gz"), null);
    }

    @Test
    void sentencePieceMetaspace() throws IOException {
        check("sp-bpe-metaspace", Reference.resource("sp-bpe-metaspace.tokenizer.json.gz"), null);
    }

    @Test
    void llama3WhenPresent() throws IOException {
        byte[] json = Reference.local("llama3").orElse(null);
        Assumptions.assumeTrue(json != null, "no ~/.cache/cohort/tokenizers/llama3/tokenizer.json "
                + "(Meta's licence: not committed; trainer.bundle/src/test/scripts/fetch-meta-tokenizers.sh fetches it)");
        check("llama3", json, UnaryOperator.identity());
    }

    @Test
    void llama2WhenPresent() throws IOException {
        byte[] json = Reference.local("llama2").orElse(null);
        Assumptions.assumeTrue(json != null, "no ~/.cache/cohort/tokenizers/llama2/tokenizer.json "
                + "(Meta's licence: not committed; trainer.bundle/src/test/scripts/fetch-meta-tokenizers.sh fetches it)");
        check("llama2", json, null);
    }

    static final java.util.function.Supplier<byte[]> GPT2 = () -> {
        try (var in = new java.util.zip.GZIPInputStream(ConformanceTest.class.getResourceAsStream(
                "/dev/cohort/trainer/internal/tokenizer/gpt2.tokenizer.json.gz"))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    };

    /** Added-token flags (lstrip, rstrip, single_word, normalized) and edge cases. */
    static final List<String> EXTRA = List.of("", " ", "a <mask> b", "x   <mask>", "<sep>   y", "<sep>\n\nz",
            "[WORD] x[WORD] [WORD]y [WORD].", "say hello world, hello  world", "<|im_start|>  text<|im_end|>",
            "<s><s></s>", "\u2581 \u2581\u2581x", "\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00", "a\u0000b\u007f");

    /** Qwen's normalizer: decoding gives back the NFC form of the text. */
    private static final UnaryOperator<String> NFC = s -> Normalizer.normalize(s, Normalizer.Form.NFC);

    /**
     * Every line, the whole corpus, and, where {@code roundTrip} is given (byte-level files), that
     * decoding gives back {@code roundTrip} of the text.
     */
    static void check(String name, byte[] json, UnaryOperator<String> roundTrip) throws IOException {
        try (Reference r = new Reference(json, name)) {
            List<String> texts = new ArrayList<>(List.of(Reference.corpus().split("\n", -1)));
            texts.add(Reference.corpus());
            texts.addAll(EXTRA);
            for (String text : texts) {
                for (boolean add : new boolean[] {false, true}) {
                    int[] expected = r.rustEncode(text, add);
                    int[] ids = r.java.encode(text, add);
                    assertArrayEquals(expected, ids, name + " add_special_tokens=" + add + ": " + text);
                    for (boolean skip : new boolean[] {false, true}) {
                        assertEquals(r.rustDecode(expected, skip), r.java.decode(ids, skip),
                                name + " skip_special_tokens=" + skip + ": " + text);
                    }
                }
                for (int id : r.java.encode(text, false)) {
                    assertEquals(r.rustDecode(new int[] {id}, false), r.java.decode(new int[] {id}, false),
                            name + " decode of " + id + " alone");
                }
                if (roundTrip != null) {
                    assertEquals(roundTrip.apply(text), r.java.decode(r.java.encode(text), false), name + " round trip");
                }
            }
        }
    }
}
