package dev.cohort.trainer.internal.data;

/** {@code apply_chat_template}: whether prompts become messages for the chat template. */
public enum ChatTemplateMode {
    /** Conversational rows (and every row when a system prompt is set) are messages; string prompts text. */
    AUTO,
    /** Every prompt is messages: a string prompt becomes one user message. */
    TRUE,
    /** Every prompt is text; conversational rows are refused. */
    FALSE
}
