package dev.cohort.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * cohort:generate in the runtime: a Hugging Face-format GPT-2 directory loads, GPT-2's BPE (the
 * vocabulary embedded in the trainer bundle) encodes the prompt, and seeded sampling repeats.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class GenerateIT extends CohortTestSupport {

    @Test
    public void generatesFromAHuggingFaceCheckpointDirectory() throws Exception {
        Path model = TestCheckpoints.gpt2(Files.createTempDirectory("cohort-gpt2"), 2, 32, 2, 64, 1);
        String cmd = "cohort:generate --model " + model + " --prompt 'Hello world' --max-new-tokens 5"
                + " --temperature 0.9 --seed 3 --json";
        String first = gogo(cmd).trim();
        assertEquals(first, gogo(cmd).trim());
        JsonNode j = new ObjectMapper().readTree(first);
        assertEquals("[15496,995]", j.get("prompt_ids").toString());
        assertEquals(j.get("completion_ids").size(), j.get("logprobs").size());
        assertTrue(first, j.get("completion_ids").size() == 5 || "stop".equals(j.get("finish_reason").asText()));

        String missing = gogoOrError("cohort:generate --model " + model.resolve("nope") + " --prompt x");
        assertTrue(missing, missing.startsWith("ERROR: " + model.resolve("nope") + " has no config.json"));
    }
}
