package dev.cohort.trainer.internal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizeCommandTest {

    @TempDir
    Path dir;

    private void qwen() throws IOException {
        try (InputStream in = new GZIPInputStream(getClass().getResourceAsStream("/tokenizer/qwen3.tokenizer.json.gz"))) {
            Files.write(dir.resolve("tokenizer.json"), in.readAllBytes());
        }
        Files.writeString(dir.resolve("config.json"), "{\"vocab_size\": 151936}");
    }

    @Test
    void printsIdsAndTokens() throws IOException {
        qwen();
        String m = dir.toString();
        // Qwen's ids: <|im_start|> 151644, "user" 872, "\n" 198 (byte-level "Ċ")
        assertEquals("{\"ids\":[151644,872,198],\"tokens\":[\"<|im_start|>\",\"user\",\"Ċ\"]}",
                TokenizeCommand.run(List.of("--model", m, "--text", "<|im_start|>user\n", "--json")));
        assertEquals("151644\t\"<|im_start|>\"\n872\t\"user\"\n198\t\"Ċ\"",
                TokenizeCommand.run(List.of("--model", m, "--text", "<|im_start|>user\n")));
    }

    @Test
    void addsSpecialTokensOnRequest() throws IOException {
        Path d = Files.createDirectory(dir.resolve("char"));
        dev.cohort.trainer.internal.tokenizer.TokenizerFiles.write(d,
                new dev.cohort.trainer.internal.tokenizer.CharTokenizer("ab"));
        assertEquals("{\"ids\":[0,1,2],\"tokens\":[\"a\",\"b\",\"<|endoftext|>\"]}", TokenizeCommand.run(
                List.of("--model", d.toString(), "--text", "ab<|endoftext|>", "--add-special-tokens", "--json")));
    }

    @Test
    void refusesBadArguments() {
        assertEquals("--model and --text are required; usage: " + TokenizeCommand.USAGE,
                assertThrows(IllegalArgumentException.class, () -> TokenizeCommand.run(List.of("--text", "x")))
                        .getMessage());
        assertEquals("unexpected argument '--txt'; usage: " + TokenizeCommand.USAGE,
                assertThrows(IllegalArgumentException.class, () -> TokenizeCommand.run(List.of("--txt", "x")))
                        .getMessage());
    }
}
