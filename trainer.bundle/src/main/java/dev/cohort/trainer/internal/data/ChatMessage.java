package dev.cohort.trainer.internal.data;

import java.util.Objects;

/** One message of a conversational prompt, as TRL's datasets hold it: {@code {role, content}}. */
public record ChatMessage(String role, String content) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }
}
