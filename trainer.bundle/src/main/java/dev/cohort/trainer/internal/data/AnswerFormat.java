package dev.cohort.trainer.internal.data;

/** How {@code dataset_answer_field} becomes the reference {@code answer} the accuracy reward reads. */
public enum AnswerFormat {
    /** The field's value as it is (a string or a number). */
    RAW,
    /** GSM8K's worked solution: the number after the last {@code ####}. */
    GSM8K
}
