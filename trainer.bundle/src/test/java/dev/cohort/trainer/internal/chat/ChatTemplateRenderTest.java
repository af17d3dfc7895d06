package dev.cohort.trainer.internal.chat;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Real chat templates (Qwen3, Qwen2.5, Mistral Nemo, Mixtral, Mistral Small 3.1) loaded from model
 * directories and rendered over the conversations of renders.json (system or not, multi-turn,
 * thinking, tool definitions, calls and responses, null content, Unicode, empty strings, with and
 * without the generation prompt, enable_thinking): equal to transformers' apply_chat_template
 * byte for byte, or raising what transformers raised.
 */
class ChatTemplateRenderTest {

    @TestFactory
    List<DynamicTest> rendersAsTransformers() throws IOException {
        return RenderCases.tests(Fixtures.read("renders.json"), model -> Fixtures.resource("models/" + model));
    }
}
