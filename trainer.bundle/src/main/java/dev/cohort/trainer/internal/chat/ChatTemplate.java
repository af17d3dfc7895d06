package dev.cohort.trainer.internal.chat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face chat template, rendered as transformers' {@code apply_chat_template(...,
 * tokenize=False)} renders it: jinja2's ImmutableSandboxedEnvironment with trim_blocks,
 * lstrip_blocks and loop controls, transformers' {@code tojson}, {@code raise_exception} and
 * {@code strftime_now}, and the tokenizer's special tokens as variables. Immutable and thread-safe.
 */
public final class ChatTemplate {

    private static final List<String> SPECIAL_TOKENS = List.of("bos_token", "eos_token", "unk_token", "sep_token",
            "pad_token", "cls_token", "mask_token");

    private final String origin;
    private final String source;
    private final List<Stmt> body;
    private final Map<String, Object> specialTokens;
    private final Clock clock;
    private final Environment env;

    private ChatTemplate(String origin, String source, List<Stmt> body, Map<String, Object> specialTokens,
            Clock clock) {
        this.origin = origin;
        this.source = source;
        this.body = body;
        this.specialTokens = Map.copyOf(specialTokens);
        this.clock = clock;
        this.env = new Environment(clock);
    }

    /**
     * Parses a template. {@code origin} names it in errors; {@code specialTokens} are the variables
     * {@code bos_token}, {@code eos_token}, ... that transformers passes.
     */
    public static ChatTemplate compile(String source, String origin, Map<String, String> specialTokens) {
        Environment env = new Environment(Clock.systemDefaultZone());
        try {
            return new ChatTemplate(origin, source, Parser.parse(source, env), Map.copyOf(specialTokens),
                    Clock.systemDefaultZone());
        } catch (JinjaError e) {
            throw new ChatTemplateException(origin, e);
        }
    }

    /** The model directory's default template (transformers' choice when no tools are given). */
    public static ChatTemplate load(Path modelDir) throws IOException {
        return load(modelDir, null);
    }

    /**
     * The template called {@code name} ("default", "tool_use", ...), or the default for null:
     * {@code chat_template.jinja} and {@code additional_chat_templates/*.jinja} when present, else
     * {@code tokenizer_config.json}'s {@code chat_template} (a string or a list of {name, template}).
     */
    public static ChatTemplate load(Path modelDir, String name) throws IOException {
        Path config = modelDir.resolve("tokenizer_config.json");
        Map<String, Object> cfg = Files.isRegularFile(config)
                ? new ObjectMapper().readValue(config.toFile(), Map.class) : Map.of();
        Map<String, String> templates = TemplateFiles.templates(modelDir, cfg);
        String key = name != null ? name : "default";
        String source = templates.get(key);
        if (source == null) {
            throw new IOException(modelDir + ": no chat template " + (name == null ? "(no default)" : "named '" + name + "'")
                    + "; available: " + templates.keySet());
        }
        String origin = modelDir.getFileName() + "/" + TemplateFiles.originOf(modelDir, key);
        return compile(source, origin, TemplateFiles.specialTokens(cfg, config, SPECIAL_TOKENS));
    }

    /** The same template with {@code strftime_now} reading this clock (its zone gives local time). */
    public ChatTemplate withClock(Clock newClock) {
        return new ChatTemplate(origin, source, body, specialTokens, newClock);
    }

    public String source() {
        return source;
    }

    /** The special-token variables, as transformers' {@code special_tokens_map}. */
    public Map<String, Object> specialTokens() {
        return specialTokens;
    }

    /**
     * Renders a conversation. Messages are maps as parsed from JSON (content may be null, a string
     * or a list of parts; tool_calls; reasoning_content). {@code extraVariables} are further
     * template variables (enable_thinking, tools, documents, date_string, ...); they override the
     * special tokens, and {@code tools} and {@code documents} are None when absent.
     */
    public String render(List<Map<String, Object>> messages, boolean addGenerationPrompt,
            Map<String, Object> extraVariables) {
        if (extraVariables.containsKey("messages") || extraVariables.containsKey("add_generation_prompt")) {
            throw new IllegalArgumentException("messages and add_generation_prompt are arguments, not extra variables");
        }
        Map<String, Object> vars = new LinkedHashMap<>(specialTokens);
        vars.put("tools", null);
        vars.put("documents", null);
        extraVariables.forEach((k, v) -> vars.put(k, PyValues.normalize(v)));
        vars.put("messages", PyValues.normalize(messages));
        vars.put("add_generation_prompt", addGenerationPrompt);
        try {
            return Stmt.render(body, Frame.root(env, vars));
        } catch (JinjaError e) {
            throw new ChatTemplateException(origin, e);
        }
    }

    /** {@link #render(List, boolean, Map)} with tool definitions (JSON schemas) as {@code tools}. */
    public String render(List<Map<String, Object>> messages, List<Map<String, Object>> tools,
            boolean addGenerationPrompt, Map<String, Object> extraVariables) {
        Map<String, Object> vars = new LinkedHashMap<>(extraVariables);
        vars.put("tools", tools);
        return render(messages, addGenerationPrompt, vars);
    }

    /** Renders a template with exactly these variables (no special tokens, messages or tools added). */
    static String renderWith(String source, Map<String, Object> variables, Clock clock) {
        Environment env = new Environment(clock);
        Map<String, Object> vars = new LinkedHashMap<>();
        variables.forEach((k, v) -> vars.put(k, PyValues.normalize(v)));
        try {
            return Stmt.render(Parser.parse(source, env), Frame.root(env, vars));
        } catch (JinjaError e) {
            throw new ChatTemplateException("template", e);
        }
    }

    @Override
    public String toString() {
        return "ChatTemplate[" + origin + "]";
    }
}
