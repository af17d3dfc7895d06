package dev.cohort.trainer.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code model:} names a directory next to the YAML before a named size of the same name; a
 * dataset file that does not exist is reported with its key and line.
 */
class ModelPathTest {

    @TempDir
    Path dir;

    private RunConfig parse(String model) throws Exception {
        Path yaml = dir.resolve("run.yaml");
        Files.writeString(yaml, "model: " + model + "\ndataset: builtin:addition\nreward_funcs: [accuracy]\nmax_steps: 1\n");
        return RunConfigParser.parse(yaml);
    }

    @Test
    void aDirectoryNamedLikeASizeWins() throws Exception {
        assertEquals("gpt2", parse("gpt2").model(), "no ./gpt2: the named size");
        Files.createDirectories(dir.resolve("gpt2"));
        assertEquals(dir.resolve("gpt2").toString(), parse("gpt2").model(), "./gpt2 next to the YAML");
        assertEquals("tiny", parse("tiny").model());
    }

    @Test
    void aMissingDatasetFileIsReportedWithItsKeyAndLine() throws Exception {
        Path yaml = dir.resolve("run.yaml");
        Files.writeString(yaml, "model: tiny\nreward_funcs: [accuracy]\ndataset: data/train.jsonl\n"
                + "eval_dataset: missing/*.parquet\nmax_steps: 1\n");
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> RunConfigParser.parse(yaml));
        assertEquals(java.util.List.of(yaml + ":3: dataset: no such file or directory: " + dir.resolve("data/train.jsonl")),
                e.problems(), "a glob is matched when read; the missing file is named at its line");
    }
}
