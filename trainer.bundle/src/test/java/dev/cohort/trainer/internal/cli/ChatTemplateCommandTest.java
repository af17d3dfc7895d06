package dev.cohort.trainer.internal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cohort chat-template} on the real Qwen files. The expected line was produced by Python:
 * jinja2 3.1.6 in transformers' environment rendering the same tokenizer_config.json, and
 * Hugging Face's tokenizers 0.23.2 encoding the text without adding special tokens.
 */
class ChatTemplateCommandTest {

    static final String EXPECTED = "{\"text\":\"<|im_start|>system\\nAnswer with a number.<|im_end|>\\n"
            + "<|im_start|>user\\nWhat is 2+2? \uD83D\uDE42<|im_end|>\\n<|im_start|>assistant\\n\","
            + "\"ids\":[151644,8948,198,16141,448,264,1372,13,151645,198,151644,872,198,3838,374,220,17,10,17,30,"
            + "27484,151645,198,151644,77091,198]}";

    @TempDir
    Path dir;

    static Path qwen(Path dir) throws Exception {
        Path model = Files.createDirectories(dir.resolve("qwen"));
        try (InputStream in = new GZIPInputStream(
                Files.newInputStream(Path.of("src/test/resources/tokenizer/qwen3.tokenizer.json.gz")))) {
            Files.copy(in, model.resolve("tokenizer.json"));
        }
        Files.copy(Path.of("src/test/resources/chat/models/qwen2.5/tokenizer_config.json"),
                model.resolve("tokenizer_config.json"));
        return model;
    }

    @Test
    void rendersAndEncodesAsTransformersDoes() throws Exception {
        Path model = qwen(dir);
        Path messages = dir.resolve("m.json");
        Files.writeString(messages, "[{\"role\": \"system\", \"content\": \"Answer with a number.\"},"
                + " {\"role\": \"user\", \"content\": \"What is 2+2? \uD83D\uDE42\"}]");
        assertEquals(EXPECTED, ChatTemplateCommand.run(List.of("--model", model.toString(), "--messages",
                messages.toString(), "--json")));
        String plain = ChatTemplateCommand.run(List.of("--model", model.toString(), "--messages", messages.toString(),
                "--no-generation-prompt"));
        assertTrue(plain.endsWith("<|im_end|>\n"), plain);
    }

    @Test
    void badArgumentsAndFilesAreNamed() throws Exception {
        Path model = qwen(dir);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ChatTemplateCommand.run(List.of("--model", model.toString(), "--messages", "nowhere.json")));
        assertEquals("--messages: nowhere.json is not a file", e.getMessage());
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"role\": \"user\"}");
        e = assertThrows(IllegalArgumentException.class,
                () -> ChatTemplateCommand.run(List.of("--model", model.toString(), "--messages", bad.toString())));
        assertTrue(e.getMessage().startsWith(bad + ": expected a JSON list of messages"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ChatTemplateCommand.run(List.of("--set", "x")));
        assertEquals("--set needs NAME=VALUE, got 'x'", e.getMessage());
    }
}
