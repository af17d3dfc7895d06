package dev.cohort.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Parquet datasets in the exported runtime (Felix): GSM8K-shaped shards, snappy-compressed for
 * training and zstd-compressed for evaluation, load through the aircompressor classes embedded
 * in the trainer bundle, and a bad row stops the start with its file and row.
 */
class DatasetLoadIT {

    private static final Path FIXTURES = Path.of(System.getProperty("cohort.parquet.fixtures",
            "../trainer.bundle/src/test/resources/parquet")).toAbsolutePath().normalize();

    private static Path config(Path work, String dataset, String extra) throws Exception {
        Path yaml = work.resolve("gsm8k.yaml");
        Files.writeString(yaml, String.join("\n", "model: tiny", "dataset: " + dataset,
                "eval_dataset: " + dataset, "eval_samples: 2", "dataset_prompt_field: question",
                "dataset_answer_field: answer", "dataset_answer_format: gsm8k", "reward_funcs: [accuracy]",
                "num_generations: 2", "per_device_train_batch_size: 4", "max_prompt_length: 256",
                "max_completion_length: 2", "max_steps: 1", "run_name: gsm8k", extra, ""));
        return yaml;
    }

    @Test
    void gsm8kParquetShardsTrainInTheRuntime() throws Exception {
        Path work = Files.createTempDirectory("cohort-parquet");
        HeadlessTrainIT.Result r = HeadlessTrainIT.train(config(work, FIXTURES.resolve("gsm8k/main").toString(), ""),
                work, 180);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("run gsm8k finished at step 1 of 1"), r.output());
        java.util.List<String> trace = Files.readAllLines(work.resolve("traces/gsm8k.jsonl"));
        assertEquals(4, trace.size(), String.join("\n", trace));
        for (String line : trace) { // accuracy is NaN (no reward) for a row without a reference answer
            assertTrue(line.matches(".*\"rewards\": ?\\{\"accuracy\": ?[01]\\.0\\}.*"), line);
        }
    }

    @Test
    void aBadRowStopsTheStartNamingItsFileAndRow() throws Exception {
        Path work = Files.createTempDirectory("cohort-parquet-bad");
        Path bad = FIXTURES.resolve("bad-gsm8k.parquet");
        HeadlessTrainIT.Result r = HeadlessTrainIT.train(config(work, bad.toString(), ""), work, 120);
        assertEquals(1, r.exit(), r.output());
        assertTrue(r.output().contains(bad + " row 1: the answer 'answer' has no number after '####': 'six'"),
                r.output());
        assertTrue(r.output().contains(bad + " row 2: the prompt 'question' is empty"), r.output());
    }
}
