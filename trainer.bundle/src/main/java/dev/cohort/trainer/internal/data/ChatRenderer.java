package dev.cohort.trainer.internal.data;

import java.util.List;

/**
 * Renders a conversational prompt to the text the policy continues: the chat template with its
 * generation prompt. The boundary between the dataset layer and the chat templates: the dataset
 * layer never formats messages itself.
 */
@FunctionalInterface
public interface ChatRenderer {

    /** The prompt text for {@code messages}; IllegalArgumentException when they cannot be rendered. */
    String render(List<ChatMessage> messages);
}
