package dev.cohort.trainer.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.trainer.internal.data.AnswerFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/configuration.md describes every key, and its examples parse. */
class ConfigurationDocTest {

    private static final Path DOC = Path.of("../docs/configuration.md");

    @Test
    void theTablesListEveryKeyInOrder() throws Exception {
        List<String> keys = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\| `([a-z_0-9]+)` \\|").matcher(Files.readString(DOC));
        while (m.find()) {
            keys.add(m.group(1));
        }
        assertEquals(RunConfigTest.KEYS, keys);
    }

    @Test
    void theYamlExamplesParse() throws Exception {
        List<String> blocks = yamlBlocks(Files.readString(DOC));
        assertEquals(4, blocks.size());
        RunConfig minimal = RunConfigParser.parse(blocks.get(0), "minimal", Path.of("/exp"));
        assertEquals(500, minimal.maxSteps());
        String withRequired = "model: tiny\ndataset: builtin:x\nreward_funcs: [a]\nmax_steps: 1\n";
        RunConfig gsm8k = RunConfigParser.parse(blocks.get(1), "gsm8k", Path.of("/exp"));
        assertEquals(AnswerFormat.GSM8K, gsm8k.datasetAnswerFormat());
        assertEquals(Path.of("/exp/data/gsm8k/main").toAbsolutePath().toString(), gsm8k.evalDataset());
        RunConfig plugins = RunConfigParser.parse(withRequired + blocks.get(2), "plugins", Path.of("/exp"));
        assertEquals(120L, plugins.plugins().get("dev.cohort.rewards.length").get("target"));
        assertEquals("127.0.0.1:7001", plugins.plugins().get("dev.cohort.vllm.worker~w1").get("address"));
        RunConfig full = RunConfigParser.parse(blocks.get(3), "full", Path.of("/exp"));
        for (String key : RunConfigTest.KEYS) {
            assertTrue(blocks.get(3).contains("\n" + key + ":"), key + " is missing from the full example");
        }
        assertEquals(4, full.promptsPerStep());
        assertEquals(Path.of("/exp/checkpoints/gpt2-sft").toAbsolutePath().toString(), full.model());
    }

    private static List<String> yamlBlocks(String markdown) {
        List<String> blocks = new ArrayList<>();
        Matcher m = Pattern.compile("(?s)```yaml\\n(.*?)```").matcher(markdown);
        while (m.find()) {
            blocks.add(m.group(1));
        }
        return blocks;
    }
}
