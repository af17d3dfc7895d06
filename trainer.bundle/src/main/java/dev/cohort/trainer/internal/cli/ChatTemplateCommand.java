package dev.cohort.trainer.internal.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.trainer.internal.chat.ChatTemplate;
import dev.cohort.trainer.internal.tokenizer.Tokenizer;
import dev.cohort.trainer.internal.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code cohort chat-template --model DIR --messages FILE.json [--no-generation-prompt]
 * [--set NAME=VALUE]... [--json]}: a conversation rendered with the model directory's chat
 * template, as transformers' {@code apply_chat_template} renders it, and its token ids as
 * {@code apply_chat_template(..., tokenize=True)} gives them (the text encoded without adding
 * special tokens: the template writes them).
 */
public final class ChatTemplateCommand {

    static final String USAGE = "cohort chat-template --model DIR --messages FILE.json [--no-generation-prompt]"
            + " [--set NAME=VALUE]... [--json]";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What was asked: the conversation file is a JSON list of messages, or {"messages": [...], "tools": [...]}. */
    record Request(Path model, Path messages, boolean generationPrompt, Map<String, Object> variables, boolean json) {
    }

    private ChatTemplateCommand() {
    }

    static Request parse(List<String> args) {
        Path model = null;
        Path messages = null;
        boolean prompt = true;
        boolean json = false;
        Map<String, Object> vars = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "--json" -> json = true;
                case "--no-generation-prompt" -> prompt = false;
                case "--model" -> model = Path.of(value(args, ++i, a));
                case "--messages" -> messages = Path.of(value(args, ++i, a));
                case "--set" -> variable(vars, value(args, ++i, a));
                default -> throw new IllegalArgumentException("unknown option '" + a + "'; usage: " + USAGE);
            }
        }
        if (model == null || messages == null) {
            throw new IllegalArgumentException("--model and --messages are required; usage: " + USAGE);
        }
        return new Request(model, messages, prompt, vars, json);
    }

    private static String value(List<String> args, int i, String option) {
        if (i >= args.size()) {
            throw new IllegalArgumentException(option + " needs a value; usage: " + USAGE);
        }
        return args.get(i);
    }

    /** NAME=VALUE: the value as JSON when it is JSON (true, 3, "x", [..]), else as text. */
    private static void variable(Map<String, Object> vars, String assignment) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("--set needs NAME=VALUE, got '" + assignment + "'");
        }
        String v = assignment.substring(eq + 1);
        Object value;
        try {
            value = JSON.readValue(v, Object.class);
        } catch (JsonProcessingException e) {
            value = v;
        }
        vars.put(assignment.substring(0, eq), value);
    }

    static String run(List<String> args) throws IOException {
        Request r = parse(args);
        if (!r.json()) {
            return text(r.model(), r.messages(), r.generationPrompt(), r.variables());
        }
        Rendered out = render(r.model(), r.messages(), r.generationPrompt(), r.variables());
        ObjectNode o = JSON.createObjectNode();
        o.put("text", out.text());
        java.util.Arrays.stream(out.ids()).forEach(o.putArray("ids")::add);
        return JSON.writeValueAsString(o);
    }

    /** A rendered conversation and its ids. */
    record Rendered(String text, int[] ids) {
    }

    /** Renders the conversation file with the model's template and encodes it with its tokenizer. */
    static Rendered render(Path model, Path messagesFile, boolean generationPrompt, Map<String, Object> vars)
            throws IOException {
        String text = text(model, messagesFile, generationPrompt, vars);
        if (!Files.isRegularFile(model.resolve(TokenizerFiles.FILE))) {
            throw new IllegalArgumentException(model + " has no " + TokenizerFiles.FILE + " to encode the rendered"
                    + " conversation with");
        }
        Tokenizer tok = TokenizerFiles.read(model, Integer.MAX_VALUE);
        return new Rendered(text, tok.encode(text, false));
    }

    /** The conversation file rendered with the model's template. */
    static String text(Path model, Path messagesFile, boolean generationPrompt, Map<String, Object> vars)
            throws IOException {
        JsonNode root = read(messagesFile);
        JsonNode list = root.isArray() ? root : root.path("messages");
        if (!list.isArray() || list.isEmpty()) {
            throw new IllegalArgumentException(messagesFile + ": expected a JSON list of messages ({\"role\": ...,"
                    + " \"content\": ...}) or an object with \"messages\"");
        }
        List<Map<String, Object>> messages = JSON.convertValue(list, new TypeReference<>() { });
        List<Map<String, Object>> tools = root.has("tools") ? JSON.convertValue(root.get("tools"),
                new TypeReference<>() { }) : null;
        return ChatTemplate.load(model).render(messages, tools, generationPrompt, vars);
    }

    private static JsonNode read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--messages: " + file + " is not a file");
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not JSON: " + e.getOriginalMessage());
        }
    }
}
