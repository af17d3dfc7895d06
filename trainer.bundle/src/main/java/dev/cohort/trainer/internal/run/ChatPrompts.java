package dev.cohort.trainer.internal.run;

import dev.cohort.trainer.internal.chat.ChatTemplate;
import dev.cohort.trainer.internal.data.ChatMessage;
import dev.cohort.trainer.internal.data.ChatRenderer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Conversational prompts as the model was tuned to see them: its own chat template (from the
 * checkpoint directory's tokenizer_config.json or chat_template.jinja), rendered as transformers'
 * {@code apply_chat_template(messages, add_generation_prompt=True, tokenize=False)} renders it.
 */
final class ChatPrompts {

    private ChatPrompts() {
    }

    /**
     * The renderer of the model in {@code modelDir} (null for a named initialisation, which has
     * no template); a model without a template gets a renderer that refuses, saying where it looked.
     */
    static ChatRenderer of(Path modelDir) throws IOException {
        return of(modelDir, Map.of());
    }

    /** As {@link #of(Path)}, with extra template variables (TRL's chat_template_kwargs). */
    static ChatRenderer of(Path modelDir, Map<String, Object> variables) throws IOException {
        if (modelDir == null || !Files.isDirectory(modelDir)) {
            return refusing("the model is a random initialisation, which has no chat template");
        }
        ChatTemplate template;
        try {
            template = ChatTemplate.load(modelDir);
        } catch (IOException e) {
            if (!hasTemplateFile(modelDir)) {
                return refusing(modelDir + " has no chat template (tokenizer_config.json's chat_template or"
                        + " chat_template.jinja)");
            }
            throw e;
        }
        return messages -> template.render(maps(messages), true, variables);
    }

    private static boolean hasTemplateFile(Path dir) throws IOException {
        if (Files.isRegularFile(dir.resolve("chat_template.jinja"))) {
            return true;
        }
        Path cfg = dir.resolve("tokenizer_config.json");
        return Files.isRegularFile(cfg) && Files.readString(cfg).contains("\"chat_template\"");
    }

    private static ChatRenderer refusing(String why) {
        return messages -> {
            throw new IllegalArgumentException("a conversational prompt needs the model's chat template: " + why
                    + "; give text prompts (apply_chat_template: false)");
        };
    }

    private static List<Map<String, Object>> maps(List<ChatMessage> messages) {
        List<Map<String, Object>> out = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", m.role());
            map.put("content", m.content());
            out.add(map);
        }
        return out;
    }
}
