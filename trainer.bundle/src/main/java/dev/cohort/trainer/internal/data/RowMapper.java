package dev.cohort.trainer.internal.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a raw row into a {@link DatasetRow} by a {@link DatasetSpec}, or says what is wrong with
 * it: the prompt field (a non-empty string, or a non-empty list of {role, content} messages with
 * string values), the system prompt, the chat-template mode and the reference answer.
 */
final class RowMapper {

    private static final Pattern GSM8K_NUMBER = Pattern.compile("\\s*\\$?\\s*(-?[0-9][0-9,]*(\\.[0-9]+)?)\\s*\\.?\\s*");

    private final DatasetSpec spec;

    RowMapper(DatasetSpec spec) {
        this.spec = spec;
    }

    /** The mapped row; {@link IllegalArgumentException} with the problem (without the row's place). */
    DatasetRow map(RawRow raw) {
        Map<String, Object> values = raw.values();
        Prompt prompt = prompt(values.get(spec.promptField()), values);
        Map<String, Object> fields = values;
        if (!spec.answerField().isEmpty()) {
            fields = new LinkedHashMap<>(values);
            fields.put(DatasetSpec.ANSWER, answer(values));
            fields = Collections.unmodifiableMap(fields);
        }
        return new DatasetRow(raw.where(), prompt, fields);
    }

    private Prompt prompt(Object value, Map<String, Object> row) {
        String field = spec.promptField();
        if (value == null) {
            throw new IllegalArgumentException((row.containsKey(field) ? "field '" + field + "' is null"
                    : "no field '" + field + "'; the row has " + row.keySet()) + " (dataset_prompt_field)");
        }
        if (value instanceof String text) {
            if (text.isBlank()) {
                throw new IllegalArgumentException("the prompt '" + field + "' is empty");
            }
            if (spec.chatTemplate() == ChatTemplateMode.FALSE) {
                return new Prompt.Text(text);
            }
            if (spec.chatTemplate() == ChatTemplateMode.AUTO && spec.systemPrompt().isEmpty()) {
                return new Prompt.Text(text);
            }
            return withSystem(List.of(new ChatMessage("user", text)));
        }
        if (value instanceof List<?> list) {
            if (spec.chatTemplate() == ChatTemplateMode.FALSE) {
                throw new IllegalArgumentException("the prompt '" + field
                        + "' is a list of messages, but apply_chat_template is false");
            }
            return withSystem(messages(list));
        }
        throw new IllegalArgumentException("the prompt '" + field + "' is " + describe(value)
                + "; expected a string or a list of {role, content} messages");
    }

    private Prompt withSystem(List<ChatMessage> messages) {
        if (spec.systemPrompt().isEmpty()) {
            return new Prompt.Chat(messages);
        }
        if (messages.get(0).role().equals("system")) {
            throw new IllegalArgumentException("the prompt '" + spec.promptField()
                    + "' starts with a system message already, and system_prompt is set");
        }
        List<ChatMessage> out = new ArrayList<>();
        out.add(new ChatMessage("system", spec.systemPrompt()));
        out.addAll(messages);
        return new Prompt.Chat(out);
    }

    private List<ChatMessage> messages(List<?> list) {
        String field = spec.promptField();
        if (list.isEmpty()) {
            throw new IllegalArgumentException("the prompt '" + field + "' is an empty list of messages");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String at = field + "[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> m)) {
                throw new IllegalArgumentException(at + " is " + describe(list.get(i))
                        + "; expected a {role, content} message");
            }
            Object role = m.get("role");
            Object content = m.get("content");
            if (!(role instanceof String r) || r.isBlank()) {
                throw new IllegalArgumentException(at + ".role is " + describe(role) + "; expected a non-empty string");
            }
            if (!(content instanceof String c)) {
                throw new IllegalArgumentException(at + ".content is " + describe(content) + "; expected a string");
            }
            out.add(new ChatMessage(r, c));
        }
        return out;
    }

    private Object answer(Map<String, Object> row) {
        String field = spec.answerField();
        Object v = row.get(field);
        if (v == null) {
            throw new IllegalArgumentException((row.containsKey(field) ? "field '" + field + "' is null"
                    : "no field '" + field + "'; the row has " + row.keySet()) + " (dataset_answer_field)");
        }
        if (spec.answerFormat() == AnswerFormat.RAW) {
            if (v instanceof String s ? s.isBlank() : !(v instanceof Number)) {
                throw new IllegalArgumentException("the answer '" + field + "' is " + describe(v)
                        + "; expected a non-empty string or a number");
            }
            return v;
        }
        if (!(v instanceof String text)) {
            throw new IllegalArgumentException("the answer '" + field + "' is " + describe(v)
                    + "; expected GSM8K's text ending in '#### <number>'");
        }
        int hashes = text.lastIndexOf("####");
        if (hashes < 0) {
            throw new IllegalArgumentException("the answer '" + field + "' has no '####' (dataset_answer_format: gsm8k)");
        }
        Matcher m = GSM8K_NUMBER.matcher(text.substring(hashes + 4));
        if (!m.matches()) {
            throw new IllegalArgumentException("the answer '" + field + "' has no number after '####': '"
                    + text.substring(hashes + 4).strip() + "'");
        }
        return m.group(1).replace(",", "");
    }

    static String describe(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof String s) {
            return s.isEmpty() ? "an empty string" : "the string '" + (s.length() > 40 ? s.substring(0, 40) + "..." : s)
                    + "'";
        }
        if (v instanceof Map<?, ?>) {
            return "an object";
        }
        if (v instanceof List<?>) {
            return "a list";
        }
        return "the " + v.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT) + " " + v;
    }
}
