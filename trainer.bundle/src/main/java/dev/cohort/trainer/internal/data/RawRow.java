package dev.cohort.trainer.internal.data;

import java.util.Map;

/** A row as a file holds it, before mapping, with its place ({@code file:line} or {@code file row N}). */
public record RawRow(String where, Map<String, Object> values) {
}
