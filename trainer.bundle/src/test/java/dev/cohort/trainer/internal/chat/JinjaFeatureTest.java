package dev.cohort.trainer.internal.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Each template language feature (features.json: lexing and whitespace control, expressions,
 * statements, filters, tests, Python printing, errors) rendered here and by jinja2 in transformers'
 * environment; the outputs must be equal byte for byte and errors of the same kind.
 */
class JinjaFeatureTest {

    @TestFactory
    @SuppressWarnings("unchecked")
    List<DynamicTest> rendersAsJinja2() throws IOException {
        Map<String, Object> fixture = Fixtures.read("features.json");
        Clock clock = Fixtures.clock(fixture);
        List<DynamicTest> tests = new ArrayList<>();
        for (Object o : (List<Object>) fixture.get("cases")) {
            Map<String, Object> c = (Map<String, Object>) o;
            String template = (String) c.get("template");
            Map<String, Object> vars = (Map<String, Object>) c.get("variables");
            tests.add(DynamicTest.dynamicTest((String) c.get("name"), () -> {
                if (c.containsKey("expected")) {
                    assertEquals(c.get("expected"), ChatTemplate.renderWith(template, vars, clock), template);
                } else {
                    ChatTemplateException e = assertThrows(ChatTemplateException.class,
                            () -> ChatTemplate.renderWith(template, vars, clock), template);
                    assertEquals(c.get("error"), e.kind(), e.getMessage() + " vs jinja2's " + c.get("message"));
                    if (e.kind().equals("TemplateError") || e.kind().equals("TypeError")) {
                        assertEquals(c.get("message"), e.templateMessage());
                    }
                }
            }));
        }
        return tests;
    }
}
