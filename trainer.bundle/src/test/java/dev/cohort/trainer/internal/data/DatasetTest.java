package dev.cohort.trainer.internal.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dataset layer on the GSM8K-shaped and TRL-format fixtures and on bad rows. */
class DatasetTest {

    private static final Path GSM8K = ParquetFixtures.dir().resolve("gsm8k/main");

    @TempDir
    Path tmp;

    static DatasetSpec spec(String promptField, String answerField, AnswerFormat format, String system,
            ChatTemplateMode mode) {
        return new DatasetSpec(promptField, "train", answerField, format, system, mode);
    }

    static DatasetSpec gsm8k(String system) {
        return spec("question", "answer", AnswerFormat.GSM8K, system, ChatTemplateMode.AUTO);
    }

    @Test
    void gsm8kShardsGiveTheQuestionAsPromptAndTheNumberAfterHashesAsAnswer() throws IOException {
        List<String> numbers = Files.readAllLines(GSM8K.resolveSibling("reference-numbers.txt"));
        List<DatasetRow> train = Dataset.load(GSM8K.toString(), gsm8k(""));
        DatasetSpec test = new DatasetSpec("question", "test", "answer", AnswerFormat.GSM8K, "", ChatTemplateMode.AUTO);
        List<DatasetRow> held = Dataset.load(GSM8K.toString(), test);
        assertEquals(24, train.size());
        assertEquals(6, held.size());
        List<Map<String, Object>> raw = ParquetReader.readRows(GSM8K.resolve("train-00000-of-00002.parquet"));
        assertEquals(new Prompt.Text((String) raw.get(0).get("question")), train.get(0).prompt());
        for (int i = 0; i < 30; i++) {
            DatasetRow r = i < 24 ? train.get(i) : held.get(i - 24);
            assertEquals(numbers.get(i), r.fields().get("answer"), r.where());
        }
        assertEquals(GSM8K.resolve("train-00001-of-00002.parquet") + " row 0", train.get(12).where());
        assertEquals(raw.get(0).get("question"), train.get(0).fields().get("question"));
    }

    @Test
    void aGlobPicksShardsInNameOrder() throws IOException {
        List<DatasetRow> rows = Dataset.load(GSM8K + "/train-*.parquet", gsm8k(""));
        assertEquals(24, rows.size());
        assertEquals(Dataset.load(GSM8K.toString(), gsm8k("")), rows);
    }

    @Test
    void aSystemPromptMakesMessages() throws IOException {
        DatasetRow row = Dataset.load(GSM8K.toString(), gsm8k("Answer after ####.")).get(0);
        Prompt.Chat chat = assertInstanceOf(Prompt.Chat.class, row.prompt());
        assertEquals(List.of(new ChatMessage("system", "Answer after ####."),
                new ChatMessage("user", (String) row.fields().get("question"))), chat.messages());
    }

    @Test
    void trlConversationalRowsAreMessagesAndStandardRowsText() throws IOException {
        List<Map<String, Object>> raw = ParquetReader.readRows(ParquetFixtures.file("trl-conversational"));
        DatasetSpec plain = DatasetSpec.plain("prompt");
        List<DatasetRow> conv = Dataset.load(ParquetFixtures.file("trl-conversational").toString(), plain);
        for (int i = 0; i < raw.size(); i++) {
            List<?> messages = (List<?>) raw.get(i).get("prompt");
            Prompt.Chat chat = assertInstanceOf(Prompt.Chat.class, conv.get(i).prompt());
            assertEquals(messages.size(), chat.messages().size());
            for (int k = 0; k < messages.size(); k++) {
                Map<?, ?> m = (Map<?, ?>) messages.get(k);
                assertEquals(new ChatMessage((String) m.get("role"), (String) m.get("content")), chat.messages().get(k));
            }
            assertEquals(raw.get(i), conv.get(i).fields());
        }
        List<DatasetRow> standard = Dataset.load(ParquetFixtures.file("trl-standard").toString(), plain);
        assertInstanceOf(Prompt.Text.class, standard.get(0).prompt());
        DatasetRow asChat = Dataset.load(ParquetFixtures.file("trl-standard").toString(),
                spec("prompt", "", AnswerFormat.RAW, "", ChatTemplateMode.TRUE)).get(0);
        assertEquals(new Prompt.Chat(List.of(new ChatMessage("user", (String) standard.get(0).fields().get("prompt")))),
                asChat.prompt());
    }

    @Test
    void everyBadRowIsReportedWithItsFileAndRow() {
        Path bad = ParquetFixtures.file("bad-gsm8k");
        DatasetException e = assertThrows(DatasetException.class, () -> Dataset.load(bad.toString(), gsm8k("")));
        assertEquals(bad + " row 1: the answer 'answer' has no number after '####': 'six'\n"
                + bad + " row 2: the prompt 'question' is empty", e.getMessage());
        Path conv = ParquetFixtures.file("bad-conversational");
        e = assertThrows(DatasetException.class, () -> Dataset.load(conv.toString(), DatasetSpec.plain("prompt")));
        assertEquals(conv + " row 1: prompt[0].role is null; expected a non-empty string", e.getMessage());
        Path trl = ParquetFixtures.file("trl-conversational");
        e = assertThrows(DatasetException.class, () -> Dataset.load(trl.toString(),
                spec("prompt", "", AnswerFormat.RAW, "", ChatTemplateMode.FALSE)));
        assertTrue(e.getMessage().startsWith(trl + " row 0: the prompt 'prompt' is a list of messages, but "
                + "apply_chat_template is false\n" + trl + " row 1: "), e.getMessage());
        e = assertThrows(DatasetException.class, () -> Dataset.load(trl.toString(),
                spec("prompt", "", AnswerFormat.RAW, "Be brief.", ChatTemplateMode.AUTO)));
        assertTrue(e.getMessage().startsWith(trl + " row 0: the prompt 'prompt' starts with a system message"
                + " already, and system_prompt is set"), e.getMessage());
    }

    @Test
    void jsonLinesProblemsNameTheLine() throws IOException {
        Path f = tmp.resolve("rows.jsonl");
        Files.writeString(f, String.join("\n",
                "{\"question\": \"What is 1 + 1?\", \"answer\": \"#### 2\"}",
                "",
                "{\"prompt\": \"no question here\", \"answer\": \"#### 3\"}",
                "{\"question\": [{\"role\": \"user\", \"content\": 5}], \"answer\": \"#### 4\"}",
                "{\"question\": \"What is 2 + 3?\", \"answer\": \"five\"}",
                "{\"question\": 7, \"answer\": \"#### 7\"}",
                "{\"question\": \"Fine?\", \"answer\": \"#### 1,234.50\"}", ""));
        DatasetException e = assertThrows(DatasetException.class, () -> Dataset.load(f.toString(), gsm8k("")));
        assertEquals(String.join("\n",
                f + ":3: no field 'question'; the row has [prompt, answer] (dataset_prompt_field)",
                f + ":4: question[0].content is the integer 5; expected a string",
                f + ":5: the answer 'answer' has no '####' (dataset_answer_format: gsm8k)",
                f + ":6: the prompt 'question' is the integer 7; expected a string or a list of {role, content} messages"),
                e.getMessage());
        Files.writeString(f, "{\"question\": \"Fine?\", \"answer\": \"so #### $1,234.50\"}\n");
        assertEquals("1234.50", Dataset.load(f.toString(), gsm8k("")).get(0).fields().get("answer"));
    }

    @Test
    void promptsOfMixedFormatsAreRefused() throws IOException {
        Path f = tmp.resolve("mixed.jsonl");
        Files.writeString(f, "{\"prompt\": \"text\"}\n{\"prompt\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n");
        DatasetException e = assertThrows(DatasetException.class, () -> Dataset.load(f.toString(),
                DatasetSpec.plain("prompt")));
        assertEquals(f + ":2: the prompt is a list of messages but " + f + ":1's is a string; a dataset's prompts"
                + " are all of one format", e.getMessage());
    }

    @Test
    void rawAnswersAreCopiedToAnswerAndMustBeThere() throws IOException {
        Path f = tmp.resolve("raw.jsonl");
        Files.writeString(f, "{\"prompt\": \"1+1=\", \"solution\": 2}\n{\"prompt\": \"2+2=\"}\n");
        DatasetSpec raw = spec("prompt", "solution", AnswerFormat.RAW, "", ChatTemplateMode.AUTO);
        DatasetException e = assertThrows(DatasetException.class, () -> Dataset.load(f.toString(), raw));
        assertEquals(f + ":2: no field 'solution'; the row has [prompt] (dataset_answer_field)", e.getMessage());
        Files.writeString(f, "{\"prompt\": \"1+1=\", \"solution\": 2}\n");
        assertEquals(Map.of("prompt", "1+1=", "solution", 2, "answer", 2), Dataset.load(f.toString(), raw).get(0).fields());
    }

    @Test
    void aDirectoryWithoutTheSplitSaysWhatItHas() throws IOException {
        Files.copy(ParquetFixtures.file("trl-standard"), tmp.resolve("part-0.parquet"));
        DatasetException e = assertThrows(DatasetException.class, () -> Dataset.load(tmp.toString(),
                DatasetSpec.plain("prompt")));
        assertEquals(tmp + ": no Parquet shard of split 'train' (train-*.parquet, train.parquet or train/*.parquet);"
                + " found part-0.parquet", e.getMessage());
        assertThrows(DatasetException.class, () -> Dataset.load(tmp + "/nothing-*.parquet", DatasetSpec.plain("p")));
    }

    @Test
    void manyBadRowsAreCountedAfterTheFirstTwenty() throws IOException {
        Path f = tmp.resolve("many.jsonl");
        Files.writeString(f, "{\"x\": 1}\n".repeat(25));
        DatasetException e = assertThrows(DatasetException.class, () -> Dataset.load(f.toString(),
                DatasetSpec.plain("prompt")));
        String[] lines = e.getMessage().split("\n");
        assertEquals(21, lines.length);
        assertEquals("... and 5 more problems", lines[20]);
    }
}
