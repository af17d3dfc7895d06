package dev.cohort.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * The GSM8K recipe (examples/qwen2.5-gsm8k.yaml) end to end in the exported runtime, on a tiny
 * random Qwen2-architecture model (the named shape tiny-qwen2: Qwen's vocabulary and token ids)
 * with the real Qwen tokenizer files (tokenizer.json of Qwen3, a superset of Qwen2.5's, and
 * Qwen2.5-Instruct's tokenizer_config.json with its chat template) and GSM8K-shaped Parquet
 * shards: the recipe's own settings but for the model, the sizes and the number of steps.
 */
class GsmRecipeIT {

    private static final Path TRAINER_TEST = Path.of("../trainer.bundle/src/test/resources").toAbsolutePath()
            .normalize();

    @Test
    void theRecipeTrainsSavesAndScoresWithTheChatTemplate() throws Exception {
        Path work = Files.createTempDirectory("cohort-gsm8k");
        Path tokenizer = Files.createDirectories(work.resolve("qwen-tokenizer"));
        try (InputStream in = new GZIPInputStream(
                Files.newInputStream(TRAINER_TEST.resolve("tokenizer/qwen3.tokenizer.json.gz")))) {
            Files.copy(in, tokenizer.resolve("tokenizer.json"));
        }
        Files.copy(TRAINER_TEST.resolve("chat/models/qwen2.5/tokenizer_config.json"),
                tokenizer.resolve("tokenizer_config.json"));
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("model", "tiny-qwen2");
        overrides.put("tokenizer", tokenizer.toString());
        overrides.put("dataset", TRAINER_TEST.resolve("parquet/gsm8k/main").toString());
        overrides.put("eval_dataset", TRAINER_TEST.resolve("parquet/gsm8k/main").toString());
        overrides.put("eval_samples", "2");
        overrides.put("num_generations", "2");
        overrides.put("per_device_train_batch_size", "4");
        overrides.put("gradient_accumulation_steps", "1");
        overrides.put("max_completion_length", "12");
        overrides.put("max_steps", "2");
        overrides.put("save_steps", "2");
        overrides.put("warmup_steps", "0");
        overrides.put("backend", "java");
        overrides.put("output_dir", work.resolve("runs").toString());
        overrides.put("    directory", work.resolve("traces").toString());
        Path yaml = work.resolve("recipe.yaml");
        Files.writeString(yaml, String.join("\n", apply(Path.of("../examples/qwen2.5-gsm8k.yaml"), overrides)));

        HeadlessTrainIT.Result r = HeadlessTrainIT.train(yaml, work, 300);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("run qwen2.5-0.5b-gsm8k finished at step 2 of 2"), r.output());

        List<String> trace = Files.readAllLines(work.resolve("traces/qwen2.5-0.5b-gsm8k.jsonl"));
        assertEquals(8, trace.size(), "2 steps x 2 prompts x 2 completions");
        ObjectMapper json = new ObjectMapper();
        for (String line : trace) {
            JsonNode s = json.readTree(line);
            String prompt = s.get("prompt").asText();
            assertTrue(prompt.startsWith("<|im_start|>system\nSolve the math problem step by step."), prompt);
            assertTrue(prompt.endsWith("<|im_end|>\n<|im_start|>assistant\n"), prompt);
            double accuracy = s.get("rewards").get("accuracy").asDouble();
            assertTrue(accuracy == 0.0 || accuracy == 1.0, "the reference from '####' is read: " + line);
            assertTrue(s.get("rewards").has("format"), line);
        }

        Path checkpoint = work.resolve("runs/qwen2.5-0.5b-gsm8k/checkpoint-2");
        for (String f : List.of("config.json", "generation_config.json", "model.safetensors", "tokenizer.json",
                "tokenizer_config.json")) {
            assertTrue(Files.isRegularFile(checkpoint.resolve(f)), checkpoint + " has " + f);
        }
        assertEquals("qwen2", json.readTree(checkpoint.resolve("config.json").toFile()).get("model_type").asText());
        assertEquals(Files.readString(tokenizer.resolve("tokenizer_config.json")),
                Files.readString(checkpoint.resolve("tokenizer_config.json")), "the source's files, as they are");
    }

    /** The example's lines with the given keys' values replaced (and keys it lacks added at the top level). */
    private static List<String> apply(Path example, Map<String, String> overrides) throws Exception {
        List<String> out = new ArrayList<>();
        Map<String, String> left = new LinkedHashMap<>(overrides);
        for (String line : Files.readAllLines(example)) {
            String key = line.contains(":") ? line.substring(0, line.indexOf(':')) : "";
            if (left.containsKey(key)) {
                out.add(key + ": " + left.remove(key));
            } else {
                out.add(line);
            }
        }
        List<String> top = new ArrayList<>();
        left.forEach((k, v) -> top.add(k + ": " + v));
        top.addAll(out);
        return top;
    }
}
