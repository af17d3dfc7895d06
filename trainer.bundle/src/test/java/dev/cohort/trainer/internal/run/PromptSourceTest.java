package dev.cohort.trainer.internal.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cohort.trainer.internal.data.ChatMessage;
import dev.cohort.trainer.internal.data.DatasetException;
import dev.cohort.trainer.internal.data.DatasetRow;
import dev.cohort.trainer.internal.data.Prompt;
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
    void withoutAChatTemplateConversationalRowsFailTheStart() {
        DatasetException e = assertThrows(DatasetException.class,
                () -> PromptSource.of(ROWS, Datasets.NO_CHAT_TEMPLATE, 1));
        assertEquals("a.jsonl:2: a conversational prompt needs a chat template, and this trainer does not apply"
                + " one yet; give string prompts (apply_chat_template: false)", e.getMessage());
    }
}
