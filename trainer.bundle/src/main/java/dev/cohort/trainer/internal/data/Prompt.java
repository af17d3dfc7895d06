package dev.cohort.trainer.internal.data;

import java.util.List;

/**
 * A row's prompt as the dataset layer hands it on: plain text, given to the tokenizer as it is,
 * or a list of messages, which a chat template renders (with the generation prompt) before
 * tokenizing. Which one a row gives follows {@code apply_chat_template} (docs/configuration.md).
 */
public sealed interface Prompt {

    /** A prompt used as it is (TRL's standard format). */
    record Text(String text) implements Prompt {
    }

    /** A conversational prompt (TRL's conversational format), for the chat template. */
    record Chat(List<ChatMessage> messages) implements Prompt {
        public Chat {
            messages = List.copyOf(messages);
        }
    }
}
