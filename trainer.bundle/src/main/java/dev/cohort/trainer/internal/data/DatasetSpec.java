package dev.cohort.trainer.internal.data;

import java.util.Objects;

/**
 * How a run's rows are read and mapped (the {@code dataset_*}, {@code system_prompt} and
 * {@code apply_chat_template} keys of docs/configuration.md).
 *
 * @param split the split a directory of Parquet shards is read for ({@code train}, {@code test})
 * @param answerField the field holding the reference answer; empty: rows are kept as they are
 * @param systemPrompt prepended to every prompt as a system message; empty: none
 */
public record DatasetSpec(String promptField, String split, String answerField, AnswerFormat answerFormat,
        String systemPrompt, ChatTemplateMode chatTemplate) {

    /** The field the mapped reference answer goes to: the one the {@code accuracy} reward reads. */
    public static final String ANSWER = "answer";

    public DatasetSpec {
        Objects.requireNonNull(promptField);
        Objects.requireNonNull(split);
        Objects.requireNonNull(answerField);
        Objects.requireNonNull(answerFormat);
        Objects.requireNonNull(systemPrompt);
        Objects.requireNonNull(chatTemplate);
    }

    /** Rows as before this layer: the prompt field's text, nothing mapped. */
    public static DatasetSpec plain(String promptField) {
        return new DatasetSpec(promptField, "train", "", AnswerFormat.RAW, "", ChatTemplateMode.AUTO);
    }
}
