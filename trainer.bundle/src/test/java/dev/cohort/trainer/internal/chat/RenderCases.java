package dev.cohort.trainer.internal.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.DynamicTest;

/** Dynamic tests from a renders fixture (make_chat_template_fixtures.py / render_local_templates.py). */
final class RenderCases {

    private RenderCases() {
    }

    @SuppressWarnings("unchecked")
    static List<DynamicTest> tests(Map<String, Object> fixture, Function<String, Path> modelDir) {
        Clock clock = Fixtures.clock(fixture);
        Map<String, Object> conversations = (Map<String, Object>) fixture.get("conversations");
        Map<String, Object> toolSets = (Map<String, Object>) fixture.get("tool_sets");
        Map<String, ChatTemplate> templates = new HashMap<>();
        List<DynamicTest> tests = new ArrayList<>();
        for (Object o : (List<Object>) fixture.get("cases")) {
            Map<String, Object> c = (Map<String, Object>) o;
            String model = (String) c.get("model");
            List<Map<String, Object>> messages = (List<Map<String, Object>>) conversations.get(c.get("conversation"));
            List<Map<String, Object>> tools = (List<Map<String, Object>>) toolSets.get(c.get("tools"));
            boolean agp = (Boolean) c.get("add_generation_prompt");
            Map<String, Object> extra = (Map<String, Object>) c.get("extra");
            String name = model + " " + c.get("conversation") + " tools=" + c.get("tools") + " agp=" + agp + " " + extra;
            tests.add(DynamicTest.dynamicTest(name, () -> {
                ChatTemplate t = templates.computeIfAbsent(model, m -> load(modelDir.apply(m)).withClock(clock));
                if (c.containsKey("expected")) {
                    assertEquals(c.get("expected"), t.render(messages, tools, agp, extra));
                } else {
                    ChatTemplateException e = assertThrows(ChatTemplateException.class,
                            () -> t.render(messages, tools, agp, extra));
                    assertEquals(c.get("error"), e.kind(), e.getMessage() + " vs transformers' " + c.get("message"));
                    if (e.kind().equals("TemplateError")) {
                        assertEquals(c.get("message"), e.templateMessage());
                    }
                }
            }));
        }
        Map<String, Object> special = (Map<String, Object>) fixture.get("special_tokens");
        special.forEach((model, tokens) -> tests.add(DynamicTest.dynamicTest(model + " special tokens",
                () -> assertEquals(tokens, load(modelDir.apply(model)).specialTokens()))));
        return tests;
    }

    private static ChatTemplate load(Path dir) {
        try {
            return ChatTemplate.load(dir);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
