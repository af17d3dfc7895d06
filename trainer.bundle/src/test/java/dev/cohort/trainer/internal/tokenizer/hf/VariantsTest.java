package dev.cohort.trainer.internal.tokenizer.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * Components that the real files do not use (Split behaviours and invert, Digits, Metaspace's
 * schemes, Lowercase/NFKC/Strip/Replace normalizers, ByteLevel with a prefix space), each put into
 * GPT-2's or the SentencePiece-style file and compared with Hugging Face's Rust tokenizers; and
 * the refusal of components that are not implemented.
 */
class VariantsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static void variant(String base, String key, String component) throws IOException {
        byte[] json = base.equals("gpt2") ? ConformanceTest.GPT2.get()
                : Reference.resource("sp-bpe-metaspace.tokenizer.json.gz");
        ObjectNode root = (ObjectNode) JSON.readTree(json);
        root.set(key, JSON.readTree(component));
        ConformanceTest.check(base + " with " + key + " " + component, JSON.writeValueAsBytes(root), null);
    }

    private static String split(String pattern, String behavior, boolean invert) {
        return "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Split\",\"pattern\":" + pattern
                + ",\"behavior\":\"" + behavior + "\",\"invert\":" + invert + "},"
                + "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":false,\"use_regex\":false}]}";
    }

    @Test
    void splitBehaviours() throws IOException {
        for (String b : new String[] {"Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous"}) {
            for (boolean invert : new boolean[] {false, true}) {
                variant("gpt2", "pre_tokenizer", split("{\"Regex\":\"\\\\s+|\\\\p{P}\"}", b, invert));
                variant("gpt2", "pre_tokenizer", split("{\"String\":\" \"}", b, invert));
            }
        }
    }

    @Test
    void digitsAndByteLevelPrefix() throws IOException {
        for (boolean individual : new boolean[] {false, true}) {
            variant("gpt2", "pre_tokenizer", "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Digits\","
                    + "\"individual_digits\":" + individual + "},{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"trim_offsets\":true,"
                    + "\"use_regex\":true}]}");
        }
    }

    @Test
    void normalizers() throws IOException {
        variant("gpt2", "normalizer", "{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFKC\"},"
                + "{\"type\":\"Lowercase\"},{\"type\":\"Strip\",\"strip_left\":true,\"strip_right\":true}]}");
        variant("gpt2", "normalizer", "{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFD\"},{\"type\":\"Replace\","
                + "\"pattern\":{\"Regex\":\"\\\\s+\"},\"content\":\" $1 \"},{\"type\":\"Strip\",\"strip_left\":false,"
                + "\"strip_right\":true}]}");
        variant("gpt2", "normalizer", "{\"type\":\"NFKD\"}");
    }

    @Test
    void metaspaceSchemes() throws IOException {
        for (String scheme : new String[] {"always", "first", "never"}) {
            for (boolean split : new boolean[] {false, true}) {
                variant("sp", "pre_tokenizer", "{\"type\":\"Metaspace\",\"replacement\":\"\u2581\","
                        + "\"prepend_scheme\":\"" + scheme + "\",\"split\":" + split + "}");
            }
            variant("sp", "decoder", "{\"type\":\"Sequence\",\"decoders\":[{\"type\":\"ByteFallback\"},"
                    + "{\"type\":\"Metaspace\",\"replacement\":\"\u2581\",\"prepend_scheme\":\"" + scheme + "\"},"
                    + "{\"type\":\"Strip\",\"content\":\"x\",\"start\":2,\"stop\":0}]}");
        }
    }

    private static String refusal(String key, String component) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(ConformanceTest.GPT2.get());
        root.set(key, JSON.readTree(component));
        byte[] json = JSON.writeValueAsBytes(root);
        return assertThrows(IllegalArgumentException.class, () -> TokenizerJson.read(json, "x/tokenizer.json", -1))
                .getMessage();
    }

    @Test
    void refusesWhatIsNotImplemented() throws IOException {
        assertEquals("x/tokenizer.json: /model: model type \"WordPiece\" is not supported (supported: BPE)",
                refusal("model", "{\"type\":\"WordPiece\",\"vocab\":{}}"));
        assertEquals("x/tokenizer.json: /model: model type \"Unigram\" is not supported (supported: BPE)",
                refusal("model", "{\"type\":\"Unigram\",\"vocab\":[]}"));
        assertEquals("x/tokenizer.json: /pre_tokenizer/pretokenizers/1: pre-tokenizer type \"Whitespace\" is not "
                        + "supported (supported: ByteLevel, Metaspace, Split, Digits, Sequence)",
                refusal("pre_tokenizer", "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Digits\"},"
                        + "{\"type\":\"Whitespace\"}]}"));
        assertEquals("x/tokenizer.json: /normalizer: normalizer type \"BertNormalizer\" is not supported (supported: "
                        + "NFC, NFD, NFKC, NFKD, Lowercase, Prepend, Replace, Strip, Sequence)",
                refusal("normalizer", "{\"type\":\"BertNormalizer\"}"));
        assertEquals("x/tokenizer.json: /post_processor: post-processor type \"RobertaProcessing\" is not supported "
                        + "(supported: TemplateProcessing, ByteLevel, Sequence)",
                refusal("post_processor", "{\"type\":\"RobertaProcessing\"}"));
        assertEquals("x/tokenizer.json: /decoder: decoder type \"WordPiece\" is not supported (supported: ByteLevel, "
                + "Metaspace, ByteFallback, Fuse, Strip, Replace, Sequence)", refusal("decoder", "{\"type\":\"WordPiece\"}"));
    }
}
