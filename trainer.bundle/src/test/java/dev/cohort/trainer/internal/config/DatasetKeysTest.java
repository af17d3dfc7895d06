package dev.cohort.trainer.internal.config;

import static dev.cohort.trainer.internal.config.Yaml.MINIMAL;
import static dev.cohort.trainer.internal.config.Yaml.parseMinimalWith;
import static dev.cohort.trainer.internal.config.Yaml.problem;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cohort.trainer.internal.data.AnswerFormat;
import dev.cohort.trainer.internal.data.ChatTemplateMode;
import dev.cohort.trainer.internal.data.DatasetSpec;
import org.junit.jupiter.api.Test;

/** The dataset mapping keys: defaults, values, and problems with their lines. */
class DatasetKeysTest {

    @Test
    void defaultsKeepRowsAsTheyAre() {
        RunConfig c = parseMinimalWith("");
        assertEquals(new DatasetSpec("prompt", "train", "", AnswerFormat.RAW, "", ChatTemplateMode.AUTO),
                c.datasetSpec(false));
        assertEquals("test", c.datasetSpec(true).split());
    }

    @Test
    void gsm8kMapping() {
        RunConfig c = parseMinimalWith("dataset_prompt_field: question\ndataset_answer_field: answer\n"
                + "dataset_answer_format: gsm8k\nsystem_prompt: Be brief.\napply_chat_template: true\n"
                + "dataset_test_split: validation\n");
        assertEquals(new DatasetSpec("question", "validation", "answer", AnswerFormat.GSM8K, "Be brief.",
                ChatTemplateMode.TRUE), c.datasetSpec(true));
        assertEquals(ChatTemplateMode.FALSE, parseMinimalWith("apply_chat_template: false\n").applyChatTemplate());
        assertEquals(ChatTemplateMode.AUTO, parseMinimalWith("apply_chat_template: auto\n").applyChatTemplate());
    }

    @Test
    void problemsNameTheKeyAndLine() {
        assertEquals("foo.yaml:5: apply_chat_template: must be auto, true or false, got \"always\"",
                problem(MINIMAL + "apply_chat_template: always\n"));
        assertEquals("foo.yaml:5: dataset_answer_format: must be one of raw, gsm8k, got \"hashes\"",
                problem(MINIMAL + "dataset_answer_format: hashes\n"));
        assertEquals("foo.yaml:5: dataset_answer_field: required when dataset_answer_format is gsm8k",
                problem(MINIMAL + "dataset_answer_format: gsm8k\n"));
        assertEquals("foo.yaml:5: system_prompt: is a system message, which needs the chat template;"
                + " apply_chat_template is false",
                problem(MINIMAL + "system_prompt: You are a tutor.\napply_chat_template: false\n"));
        assertEquals("foo.yaml:5: dataset_train_split: must not be empty", problem(MINIMAL + "dataset_train_split: \"\"\n"));
        assertEquals("foo.yaml:5: system_promt: unknown key; did you mean system_prompt?",
                problem(MINIMAL + "system_promt: x\n"));
    }
}
