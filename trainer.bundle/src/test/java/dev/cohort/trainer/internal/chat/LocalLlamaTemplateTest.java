package dev.cohort.trainer.internal.chat;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Meta's Llama 3.x templates, which may not be committed: rendered from a local cache that
 * src/test/python/fetch_llama_templates.sh fills (the templates and transformers' renders), and
 * skipped with the reason when the cache is absent.
 */
class LocalLlamaTemplateTest {

    static Path cache() {
        String env = System.getenv("COHORT_CHAT_TEMPLATES");
        return env != null ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "cohort", "chat-templates");
    }

    @TestFactory
    @SuppressWarnings("unchecked")
    List<DynamicTest> rendersAsTransformers() throws IOException {
        Path cache = cache();
        List<Path> dirs = new ArrayList<>();
        if (Files.isDirectory(cache)) {
            try (Stream<Path> s = Files.list(cache)) {
                s.filter(d -> Files.isRegularFile(d.resolve("expected.json"))).sorted().forEach(dirs::add);
            }
        }
        if (dirs.isEmpty()) {
            String reason = "no local Llama templates in " + cache
                    + " (run src/test/python/fetch_llama_templates.sh to render them)";
            return List.of(DynamicTest.dynamicTest("local Llama templates", () -> assumeTrue(false, reason)));
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (Path d : dirs) {
            Map<String, Object> fixture = new ObjectMapper().readValue(d.resolve("expected.json").toFile(), Map.class);
            tests.addAll(RenderCases.tests(fixture, model -> d));
        }
        return tests;
    }
}
