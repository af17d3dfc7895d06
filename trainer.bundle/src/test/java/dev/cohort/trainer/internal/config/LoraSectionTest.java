package dev.cohort.trainer.internal.config;

import static dev.cohort.trainer.internal.config.Yaml.MINIMAL;
import static dev.cohort.trainer.internal.config.Yaml.parseMinimalWith;
import static dev.cohort.trainer.internal.config.Yaml.problem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.trainer.internal.model.LoraConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The LoRA keys: PEFT's defaults, Axolotl's adapter switch, and every refusal with its key and line. */
class LoraSectionTest {

    @Test
    void noAdapterMeansFullFineTuning() {
        RunConfig c = parseMinimalWith("");
        assertNull(c.loraAdapter());
        assertEquals("", c.adapter());
    }

    @Test
    void adapterLoraTakesPeftsDefaults() {
        LoraConfig l = parseMinimalWith("adapter: lora\n").loraAdapter();
        assertEquals(new LoraConfig(8, 8, 0.0, List.of(), false), l);
        assertEquals(1.0, l.scaling());
    }

    @Test
    void everyKeyIsRead() {
        LoraConfig l = parseMinimalWith("""
                adapter: lora
                lora_r: 16
                lora_alpha: 32
                lora_dropout: 0.05
                lora_target_modules: [q_proj, k_proj, down_proj]
                use_rslora: true
                """).loraAdapter();
        assertEquals(new LoraConfig(16, 32, 0.05, List.of("q_proj", "k_proj", "down_proj"), true), l);
        assertEquals(32 / 4.0, l.scaling()); // rsLoRA: alpha / sqrt(r)
        assertEquals(List.of("all-linear"),
                parseMinimalWith("adapter: lora\nlora_target_modules: all-linear\n").loraAdapter().targetModules());
        assertEquals(List.of("c_attn", "c_proj"),
                parseMinimalWith("adapter: lora\nlora_target_modules: [c_attn, c_proj]\n").loraAdapter().targetModules());
    }

    @Test
    void asyncPrefetchTakesLora() {
        RunConfig c = parseMinimalWith("adapter: lora\nasync_prefetch: true\n");
        assertEquals(new LoraConfig(8, 8, 0.0, List.of(), false), c.loraAdapter());
        assertEquals(true, c.toMap().get("async_prefetch"));
    }

    @Test
    void wrongValuesAreReportedWithKeyAndLine() {
        assertEquals("foo.yaml:5: adapter: must be lora or left out (full fine-tuning), got 'qlora'",
                problem(MINIMAL + "adapter: qlora\n"));
        assertEquals("foo.yaml:6: lora_r: must be >= 1, got 0", problem(MINIMAL + "adapter: lora\nlora_r: 0\n"));
        assertEquals("foo.yaml:6: lora_dropout: must be in [0, 1), got 1.0",
                problem(MINIMAL + "adapter: lora\nlora_dropout: 1.0\n"));
        assertEquals("foo.yaml:6: lora_alpha: must be > 0, got 0.0", problem(MINIMAL + "adapter: lora\nlora_alpha: 0.0\n"));
        String unknown = problem(MINIMAL + "adapter: lora\nlora_target_modules: [q_proj, qkv_proj]\n");
        assertTrue(unknown.startsWith("foo.yaml:6: lora_target_modules: unknown module 'qkv_proj' at [1] (known: q_proj,"),
                unknown);
        assertEquals("foo.yaml:6: lora_target_modules: 'v_proj' is listed twice",
                problem(MINIMAL + "adapter: lora\nlora_target_modules: [v_proj, v_proj]\n"));
        assertEquals("foo.yaml:6: lora_target_modules: all-linear stands alone, not in a list with other modules",
                problem(MINIMAL + "adapter: lora\nlora_target_modules: [all-linear, q_proj]\n"));
        assertEquals("foo.yaml:6: use_rslora: expected true or false, got \"yes\"",
                problem(MINIMAL + "adapter: lora\nuse_rslora: \"yes\"\n"));
    }

    @Test
    void loraKeysWithoutTheAdapterAreRefused() {
        assertEquals("foo.yaml:5: lora_r: is set but adapter is not lora: add adapter: lora to train a LoRA adapter",
                problem(MINIMAL + "lora_r: 32\n"));
        // the defaults, as the resolved configuration writes them, are fine
        assertNull(parseMinimalWith("lora_r: 8\nlora_alpha: 8\nlora_target_modules: []\n").loraAdapter());
    }
}
