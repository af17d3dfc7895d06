package dev.cohort.trainer.internal.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.trainer.internal.tokenizer.hf.HfTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerFilesTest {

    @TempDir
    Path dir;

    static byte[] resource(String name) throws IOException {
        try (InputStream in = TokenizerFilesTest.class.getResourceAsStream("/tokenizer/" + name)) {
            return (name.endsWith(".gz") ? new GZIPInputStream(in) : in).readAllBytes();
        }
    }

    /**
     * What Cohort writes for a character tokenizer is what the committed fixture holds, and
     * Hugging Face's tokenizers (Python, recorded in expected.json by check_char_tokenizer.py)
     * gives CharTokenizer's ids and decodes on it.
     */
    @Test
    void characterTokenizerFileIsReadByHuggingFaceToTheSameIds() throws IOException {
        CharTokenizer t = new CharTokenizer("0123456789+= abcé😀");
        TokenizerFiles.write(dir, t);
        assertArrayEquals(resource("char/tokenizer.json"), Files.readAllBytes(dir.resolve("tokenizer.json")));
        assertArrayEquals(resource("char/tokenizer_config.json"), Files.readAllBytes(dir.resolve("tokenizer_config.json")));
        JsonNode expected = new ObjectMapper().readTree(resource("char/expected.json"));
        assertEquals(t.vocabSize(), expected.get("vocab_size").asInt());
        for (JsonNode c : expected.get("cases")) {
            int[] ids = new ObjectMapper().convertValue(c.get("ids"), int[].class);
            String text = c.get("text").asText();
            assertArrayEquals(ids, t.encode(text, true), text);
            assertEquals(c.get("decoded").asText(), t.decode(ids, false), text);
            assertEquals(c.get("decoded_skipping_special").asText(), t.decode(ids, true), text);
        }
        Tokenizer back = TokenizerFiles.read(dir, t.vocabSize());
        assertInstanceOf(CharTokenizer.class, back);
        assertEquals(t.alphabet(), ((CharTokenizer) back).alphabet());
    }

    @Test
    void legacyStubsAreStillRead() throws IOException {
        Tokenizer warmup = TokenizerFiles.read(Path.of("../examples/addition/warmup"), 13);
        assertEquals("0123456789+=", ((CharTokenizer) warmup).alphabet());
        Files.writeString(dir.resolve("tokenizer.json"), "{\"type\":\"gpt2\"}");
        assertInstanceOf(Gpt2Tokenizer.class, TokenizerFiles.read(dir, 50257));
        Files.delete(dir.resolve("tokenizer.json"));
        assertInstanceOf(Gpt2Tokenizer.class, TokenizerFiles.read(dir, 50257));
    }

    @Test
    void huggingFaceFilesAreReadAndCopiedAsTheyAre() throws IOException {
        Path src = Files.createDirectory(dir.resolve("qwen"));
        byte[] json = resource("qwen3.tokenizer.json.gz");
        byte[] config = resource("qwen3.tokenizer_config.json");
        Files.write(src.resolve("tokenizer.json"), json);
        Files.write(src.resolve("tokenizer_config.json"), config);
        Tokenizer t = TokenizerFiles.read(src, 151_936); // Qwen's embedding has more rows than the tokenizer has ids
        assertInstanceOf(HfTokenizer.class, t);
        assertEquals(151_669, t.vocabSize());
        assertEquals(151_645, t.eos()); // tokenizer_config.json: eos_token <|im_end|>
        assertEquals(151_644, t.tokenToId("<|im_start|>").getAsInt());
        assertTrue(t.specialIds().containsAll(java.util.List.of(151_643, 151_644, 151_645)));
        assertArrayEquals(new int[] {151_644, 872, 198}, t.encode("<|im_start|>user\n"));
        IOException small = assertThrows(IOException.class, () -> TokenizerFiles.read(src, 151_000));
        assertEquals(src.resolve("tokenizer.json") + ": the tokenizer's 151669 token ids do not fit the model's "
                + "vocab_size 151000", small.getMessage());

        Path out = Files.createDirectory(dir.resolve("checkpoint"));
        TokenizerFiles.write(out, t);
        assertArrayEquals(json, Files.readAllBytes(out.resolve("tokenizer.json")));
        assertArrayEquals(config, Files.readAllBytes(out.resolve("tokenizer_config.json")));
        Files.delete(src.resolve("tokenizer_config.json"));
        assertEquals(151_643, TokenizerFiles.read(src, 151_936).eos()); // no config: <|endoftext|>
    }

    /** GPT-2's tokenizer.json, written for a GPT-2 model, reads back to JTokkit's ids (and Rust's). */
    @Test
    void gpt2FileGivesJtokkitsIds() throws IOException {
        Gpt2Tokenizer jtokkit = new Gpt2Tokenizer();
        TokenizerFiles.write(dir, jtokkit);
        Tokenizer file = TokenizerFiles.read(dir, 50257);
        assertInstanceOf(HfTokenizer.class, file);
        assertEquals(50256, file.eos());
        String corpus = new String(resource("corpus.txt"), StandardCharsets.UTF_8);
        try (HuggingFaceTokenizer rust = HuggingFaceTokenizer.newInstance(dir.resolve("tokenizer.json"),
                Map.of("truncation", "false", "padding", "false"))) {
            for (String line : (corpus + "\n" + corpus).split("\n")) {
                int[] ids = jtokkit.encode(line);
                assertArrayEquals(ids, file.encode(line), line);
                assertArrayEquals(ids, Arrays.stream(rust.encode(line, false, false).getIds()).mapToInt(l -> (int) l)
                        .toArray(), line);
                assertEquals(jtokkit.decode(ids, false), file.decode(ids, false), line);
            }
        }
        for (int id : new int[] {0, 198, 220, 50255, 50256}) {
            assertEquals(file.idToToken(id), jtokkit.idToToken(id));
            assertEquals(id, jtokkit.tokenToId(jtokkit.idToToken(id).orElseThrow()).getAsInt());
        }
    }

    @Test
    void unsupportedFilesAreRefusedWithThePath() throws IOException {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\":{\"type\":\"WordPiece\",\"vocab\":{}}}");
        IOException e = assertThrows(IOException.class, () -> TokenizerFiles.read(dir, 100));
        assertEquals(dir.resolve("tokenizer.json") + ": /model: model type \"WordPiece\" is not supported "
                + "(supported: BPE)", e.getMessage());
    }
}
