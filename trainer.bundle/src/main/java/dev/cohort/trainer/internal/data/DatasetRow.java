package dev.cohort.trainer.internal.data;

import java.util.Map;

/**
 * One row of a run's dataset, checked and mapped: its prompt, and the fields that reward
 * functions read (every column of the row, with the reference answer in {@code answer} when a
 * mapping puts it there).
 *
 * @param where the row's place for messages: {@code file:line} for JSON lines, {@code file row N}
 *     (N from 0, as Hugging Face datasets index) for Parquet
 */
public record DatasetRow(String where, Prompt prompt, Map<String, Object> fields) {
}
