package dev.cohort.trainer.internal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.checkpoint.DType;
import dev.cohort.trainer.internal.model.HfCheckpoint;
import dev.cohort.trainer.internal.model.ModelConfig;
import dev.cohort.trainer.internal.model.ModelInit;
import dev.cohort.trainer.internal.model.PolicyModel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerateTest {

    @TempDir
    Path dir;

    private Path tinyGpt2(JavaBackend be) throws Exception {
        try (PolicyModel m = new PolicyModel(be, ModelConfig.gpt2(1, 2, 16, 64, 50257, 1e-5f, 50256))) {
            ModelInit.initialize(m, 3);
            HfCheckpoint.save(m, dir.resolve("tiny"), DType.F32);
        }
        return dir.resolve("tiny");
    }

    @Test
    void jsonOutputIsReproducibleWithASeed() throws Exception {
        try (JavaBackend be = new JavaBackend(2)) {
            Path model = tinyGpt2(be);
            Generator g = new Generator(be);
            GenerateRequest r = GenerateRequest.parse(List.of("--model", model.toString(), "--prompt", "Hello world",
                    "--max-new-tokens", "6", "--temperature", "0.8", "--seed", "5", "--json"));
            String a = g.run(r);
            assertEquals(a, g.run(r));
            JsonNode j = new ObjectMapper().readTree(a);
            assertEquals("[15496,995]", j.get("prompt_ids").toString());
            int n = j.get("completion_ids").size();
            assertEquals(n, j.get("logprobs").size());
            assertTrue(n == 6 || j.get("finish_reason").asText().equals("stop"));
            for (JsonNode lp : j.get("logprobs")) {
                assertTrue(lp.asDouble() <= 0 && lp.asDouble() > -30, "log-prob " + lp);
            }
            String text = g.run(GenerateRequest.parse(List.of("--model", model.toString(), "--prompt", "Hi",
                    "--greedy", "--max-new-tokens", "4")));
            assertEquals(text, g.run(GenerateRequest.parse(List.of("--model", model.toString(), "--prompt", "Hi",
                    "--greedy", "--max-new-tokens", "4"))));
        }
    }

    @Test
    void badArgumentsNameTheOption() {
        assertEquals("--model DIR is required; usage: " + GenerateRequest.USAGE,
                assertThrows(IllegalArgumentException.class, () -> GenerateRequest.parse(List.of("--prompt", "x"))).getMessage());
        assertEquals("--max-new-tokens needs an integer, got 'many'",
                assertThrows(IllegalArgumentException.class, () -> GenerateRequest.parse(
                        List.of("--model", "m", "--prompt", "x", "--max-new-tokens", "many"))).getMessage());
        assertEquals("--greedy cannot be combined with --temperature, --top-p, --top-k or --min-p",
                assertThrows(IllegalArgumentException.class, () -> GenerateRequest.parse(
                        List.of("--model", "m", "--prompt", "x", "--greedy", "--temperature", "0.5"))).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GenerateRequest.parse(
                List.of("--model", "m", "--prompt", "x", "--beam", "4"))).getMessage().startsWith("unknown option '--beam'"));
    }
}
