package dev.cohort.trainer.internal.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where templates come from in a model directory, and how failures are reported. */
class ChatTemplateLoadTest {

    private static final List<Map<String, Object>> HELLO = List.of(Map.of("role", "user", "content", "hi"));

    @TempDir
    Path dir;

    private void config(String json) throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), json);
    }

    @Test
    void namedTemplatesFromAListPickDefaultOrByName() throws IOException {
        config("{\"bos_token\": {\"__type\": \"AddedToken\", \"content\": \"<s>\"}, \"eos_token\": null,"
                + " \"chat_template\": [{\"name\": \"default\", \"template\": \"D{{ bos_token }}{{ eos_token }}\"},"
                + " {\"name\": \"tool_use\", \"template\": \"T{{ tools | length }}\"}]}");
        assertEquals("D<s>", ChatTemplate.load(dir).render(HELLO, false, Map.of()));
        assertEquals("T1", ChatTemplate.load(dir, "tool_use").render(HELLO, List.of(Map.of("name", "f")), false,
                Map.of()));
        assertEquals(Map.of("bos_token", "<s>"), ChatTemplate.load(dir).specialTokens());
    }

    @Test
    void jinjaFilesTakePrecedenceOverTheConfig() throws IOException {
        config("{\"chat_template\": \"from config\"}");
        Files.writeString(dir.resolve("chat_template.jinja"), "from file {{ messages[0].content }}\n");
        Files.createDirectories(dir.resolve("additional_chat_templates"));
        Files.writeString(dir.resolve("additional_chat_templates/rag.jinja"), "rag {{ documents }}");
        assertEquals("from file hi", ChatTemplate.load(dir).render(HELLO, false, Map.of()));
        assertEquals("rag None", ChatTemplate.load(dir, "rag").render(HELLO, false, Map.of()));
    }

    @Test
    void aMissingTemplateNamesWhatThereIs() throws IOException {
        config("{\"chat_template\": [{\"name\": \"tool_use\", \"template\": \"x\"}]}");
        IOException e = assertThrows(IOException.class, () -> ChatTemplate.load(dir));
        assertTrue(e.getMessage().contains("[tool_use]"), e.getMessage());
    }

    @Test
    void raiseExceptionNamesTheTemplateLineAndMessage() throws IOException {
        config("{\"chat_template\": \"ok\\n{%- if messages[0].role != 'system' %}\\n"
                + "  {{- raise_exception('Roles must start with system') }}\\n{%- endif %}\"}");
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> ChatTemplate.load(dir).render(HELLO, true, Map.of()));
        assertEquals("Roles must start with system", e.templateMessage());
        assertEquals(3, e.line());
        assertEquals(dir.getFileName() + "/tokenizer_config.json[chat_template]:3: the template raised an error: "
                + "Roles must start with system", e.getMessage());
    }

    @Test
    void unknownFiltersAreRefusedWhenLoading() throws IOException {
        Files.writeString(dir.resolve("chat_template.jinja"), "line one\n{{ messages | shuffle }}");
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> ChatTemplate.load(dir));
        assertEquals(dir.getFileName() + "/chat_template.jinja:2: TemplateAssertionError: No filter named 'shuffle'.",
                e.getMessage());
    }

    @Test
    void extraVariablesOverrideSpecialTokensButNotTheArguments() throws IOException {
        config("{\"eos_token\": \"</s>\", \"chat_template\": \"{{ eos_token }}{{ enable_thinking }}\"}");
        ChatTemplate t = ChatTemplate.load(dir);
        assertEquals("<end>False", t.render(HELLO, false, Map.of("eos_token", "<end>", "enable_thinking", false)));
        assertThrows(IllegalArgumentException.class, () -> t.render(HELLO, false, Map.of("messages", List.of())));
    }
}
