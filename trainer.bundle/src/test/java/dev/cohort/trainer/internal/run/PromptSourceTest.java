package dev.cohort.trainer.internal.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.trainer.internal.data.ChatMessage;
import dev.cohort.trainer.internal.data.DatasetException;
import dev.cohort.trainer.internal.data.DatasetRow;
import dev.cohort.trainer.internal.data.Prompt;
import dev.cohort.trainer.internal.tokenizer.CharTokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Prompt texts fixed at start: text as it is, messages through the chat renderer. */
class PromptSourceTest {

    private static final List<DatasetRow> ROWS = List.of(
            new DatasetRow("a.jsonl:1", new Prompt.Text("1+1="), Map.of("answer", "2")),
            new DatasetRow("a.jsonl:2", new Prompt.Chat(List.of(new ChatMessage("user", "2+2="))), Map.of("answer", "4")));

    @Test
    void textAsItIsAndMessagesRendered() throws DatasetException {
        PromptSource s = PromptSource.of(ROWS, m -> m.stream().map(x -> "<" + x.role() + ">" + x.content())
                .collect(Collectors.joining()), 1);
        assertEquals("1+1=", s.prompt(s.rows().get(0)));
        assertEquals("<user>2+2=", s.prompt(s.rows().get(1)));
        for (Map<String, Object> row : s.next(5)) {
            assertEquals(row.get("answer").equals("2") ? "1+1=" : "<user>2+2=", s.prompt(row));
        }
    }

    @Test
    void withoutAChatTemplateConversationalRowsFailTheStart() throws Exception {
        DatasetException e = assertThrows(DatasetException.class,
                () -> PromptSource.of(ROWS, ChatPrompts.of(null), 1));
        assertEquals("a.jsonl:2: a conversational prompt needs the model's chat template: the model is a random"
                + " initialisation, which has no chat template; give text prompts (apply_chat_template: false)",
                e.getMessage());
    }

    @Test
    void messagesAreRenderedWithTheModelsOwnTemplate() throws Exception {
        Path dir = Path.of("src/test/resources/chat/models/qwen2.5");
        PromptSource s = PromptSource.of(List.of(new DatasetRow("g.parquet row 0", new Prompt.Chat(List.of(
                new ChatMessage("system", "Put the answer after ####."), new ChatMessage("user", "2+2="))),
                Map.of())), ChatPrompts.of(dir), 1);
        assertEquals("<|im_start|>system\nPut the answer after ####.<|im_end|>\n<|im_start|>user\n2+2=<|im_end|>\n"
                + "<|im_start|>assistant\n", s.prompt(s.rows().get(0)));
    }

    @Test
    void chatTemplateKwargsReachTheTemplate() throws Exception {
        Path dir = Path.of("src/test/resources/chat/models/qwen3");
        List<DatasetRow> rows = List.of(new DatasetRow("g.jsonl:1",
                new Prompt.Chat(List.of(new ChatMessage("user", "2+2="))), Map.of()));
        PromptSource thinking = PromptSource.of(rows, ChatPrompts.of(dir), 1);
        PromptSource not = PromptSource.of(rows, ChatPrompts.of(dir, Map.of("enable_thinking", false)), 1);
        assertEquals("<|im_start|>user\n2+2=<|im_end|>\n<|im_start|>assistant\n", thinking.prompt(thinking.rows().get(0)));
        assertEquals("<|im_start|>user\n2+2=<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
                not.prompt(not.rows().get(0)));
    }

    @Test
    void promptsTooLongOrNotEncodableFailTheStartWithTheirPlace() {
        CharTokenizer tok = new CharTokenizer("0123456789+=<>ue");
        List<DatasetRow> rows = List.of(new DatasetRow("a.jsonl:1", new Prompt.Text("12+34="), Map.of()),
                new DatasetRow("a.jsonl:2", new Prompt.Text("1234567+1="), Map.of()),
                new DatasetRow("a.jsonl:3", new Prompt.Text("x+1="), Map.of()),
                new DatasetRow("a.jsonl:4", new Prompt.Chat(List.of(new ChatMessage("user", "1+1="))), Map.of()));
        DatasetException e = assertThrows(DatasetException.class, () -> PromptSource.of(rows,
                m -> "<u>" + m.get(0).content() + "<e>", tok, 8, 1));
        String m = e.getMessage();
        assertTrue(m.contains("a.jsonl:2: the prompt is 10 tokens, longer than max_prompt_length 8"), m);
        assertTrue(m.contains("a.jsonl:3: character 'x' is not in the tokenizer's alphabet"), m);
        assertTrue(m.contains("a.jsonl:4: the prompt is 10 tokens after the chat template, longer than"
                + " max_prompt_length 8"), m);
        assertFalse(m.contains("a.jsonl:1"), m);
    }
}
