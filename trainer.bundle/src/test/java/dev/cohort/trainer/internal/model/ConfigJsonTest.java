package dev.cohort.trainer.internal.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.trainer.internal.checkpoint.CheckpointException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json as the hub publishes it, and every refusal's message. */
class ConfigJsonTest {

    @TempDir
    Path dir;

    /** Qwen2.5-0.5B-Instruct's config.json (values as published). */
    static final String QWEN25 = """
            {"architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
             "eos_token_id": 151645, "hidden_act": "silu", "hidden_size": 896, "initializer_range": 0.02,
             "intermediate_size": 4864, "max_position_embeddings": 32768, "max_window_layers": 21,
             "model_type": "qwen2", "num_attention_heads": 14, "num_hidden_layers": 24, "num_key_value_heads": 2,
             "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 32768, "tie_word_embeddings": true,
             "torch_dtype": "bfloat16", "transformers_version": "4.43.1", "use_cache": true,
             "use_sliding_window": false, "vocab_size": 151936}
            """;

    /** Llama-3.2-1B-Instruct's. */
    static final String LLAMA32 = """
            {"architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
             "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "head_dim": 64, "hidden_act": "silu",
             "hidden_size": 2048, "initializer_range": 0.02, "intermediate_size": 8192,
             "max_position_embeddings": 131072, "mlp_bias": false, "model_type": "llama", "num_attention_heads": 32,
             "num_hidden_layers": 16, "num_key_value_heads": 8, "pretraining_tp": 1, "rms_norm_eps": 1e-05,
             "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
             "original_max_position_embeddings": 8192, "rope_type": "llama3"}, "rope_theta": 500000.0,
             "tie_word_embeddings": true, "torch_dtype": "bfloat16", "use_cache": true, "vocab_size": 128256}
            """;

    /** Qwen3-0.6B's, in transformers 5's form (rope_parameters, dtype). */
    static final String QWEN3_V5 = """
            {"architectures": ["Qwen3ForCausalLM"], "attention_bias": false, "bos_token_id": 151643,
             "eos_token_id": 151645, "head_dim": 128, "hidden_act": "silu", "hidden_size": 1024,
             "intermediate_size": 3072, "max_position_embeddings": 40960, "model_type": "qwen3",
             "num_attention_heads": 16, "num_hidden_layers": 28, "num_key_value_heads": 8, "rms_norm_eps": 1e-06,
             "rope_parameters": {"rope_theta": 1000000, "rope_type": "default"}, "sliding_window": null,
             "tie_word_embeddings": true, "dtype": "bfloat16", "use_sliding_window": false, "vocab_size": 151936}
            """;

    private ModelConfig read(String json) throws Exception {
        Path f = dir.resolve("config.json");
        Files.writeString(f, json);
        return ConfigJson.read(f);
    }

    @Test
    void publishedConfigsReadAsTheirNamedShapes() throws Exception {
        ModelConfig q = read(QWEN25);
        assertEquals(ModelConfig.named("qwen2.5-0.5b"), q);
        assertTrue(q.qkvBias());
        assertFalse(q.outBias());
        assertEquals("bfloat16", q.dtype());
        ModelConfig l = read(LLAMA32);
        assertEquals(ModelConfig.named("llama-3.2-1b"), l);
        assertArrayEquals(new int[] {128001, 128008, 128009}, l.eosTokenIds());
        ModelConfig q3 = read(QWEN3_V5);
        assertEquals(ModelConfig.named("qwen3-0.6b"), q3);
        assertEquals(128, q3.headDim());
        assertTrue(q3.qkNorm());
    }

    @Test
    void llama3RopeScalingFollowsTransformersFormula() {
        float[] plain = RopeScaling.inverseFrequencies(64, 500000, null);
        float[] scaled = RopeScaling.inverseFrequencies(64, 500000, new RopeScaling(32, 1, 4, 8192));
        for (int i = 0; i < plain.length; i++) {
            double wavelen = 2 * Math.PI / plain[i];
            double expected;
            if (wavelen < 8192 / 4.0) {
                expected = plain[i];
            } else if (wavelen > 8192 / 1.0) {
                expected = plain[i] / 32.0;
            } else {
                double smooth = (8192 / wavelen - 1) / (4 - 1);
                expected = (1 - smooth) * plain[i] / 32 + smooth * plain[i];
            }
            assertEquals(expected, scaled[i], 1e-6 * expected, "frequency " + i);
        }
        assertEquals(1.0, plain[0], 0);
        assertEquals(1 / Math.pow(500000, 2.0 / 64), plain[1], 1e-7);
    }

    @Test
    void unsupportedConfigurationsAreRefusedNamingTheKeyAndValue() throws Exception {
        assertRefused(QWEN25.replace("\"qwen2\"", "\"gemma2\""),
                "model_type is 'gemma2'; Cohort's policies are gpt2, llama, mistral, qwen2, qwen3");
        assertRefused(QWEN25.replace("\"qwen2\"", "\"qwen2_moe\""), "model_type is 'qwen2_moe'");
        assertRefused(LLAMA32.replace("\"llama3\"", "\"yarn\""),
                "rope_scaling type is 'yarn'; Cohort supports none (default) and llama3");
        assertRefused(LLAMA32.replace("\"llama3\"", "\"dynamic\""), "rope_scaling type is 'dynamic'");
        assertRefused(QWEN25.replace("\"use_sliding_window\": false", "\"use_sliding_window\": true"),
                "use_sliding_window is true");
        assertRefused(QWEN25.replace("\"silu\"", "\"gelu\""), "hidden_act is 'gelu'; Cohort's qwen2 uses silu");
        assertRefused(QWEN25.replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3"),
                "num_attention_heads 14 is not a multiple of num_key_value_heads 3");
        assertRefused(QWEN25.replace("\"hidden_size\": 896,", ""), "'hidden_size' is missing or not an integer");
        assertRefused(LLAMA32.replace("\"factor\": 32.0,", ""), "rope_scaling of type llama3 has no number 'factor'");
        assertRefused(QWEN25.replace("\"eos_token_id\": 151645", "\"eos_token_id\": 200000"),
                "eos_token_id 200000 is outside the vocabulary of 151936");
    }

    private void assertRefused(String json, String message) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> read(json));
        assertTrue(e.getMessage().startsWith(dir.resolve("config.json") + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void generationConfigEosIdsComeFirst() throws Exception {
        Files.writeString(dir.resolve("config.json"), QWEN25.replace("\"eos_token_id\": 151645", "\"eos_token_id\": 151643"));
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [151645, 151643], \"top_p\": 0.8}");
        assertArrayEquals(new int[] {151645, 151643}, HfCheckpoint.config(dir).eosTokenIds());
    }

    @Test
    void aCheckpointWithoutSafetensorsSaysWhatItHas() throws Exception {
        Files.writeString(dir.resolve("config.json"), QWEN25);
        Files.writeString(dir.resolve("pytorch_model.bin"), "not read");
        try (var be = new dev.cohort.trainer.internal.backend.JavaBackend(1)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> HfCheckpoint.load(dir, be));
            assertTrue(e.getMessage().contains("has neither model.safetensors nor model.safetensors.index.json"
                    + " (it has pytorch_model.bin: Cohort reads safetensors only"), e.getMessage());
        }
    }

    @Test
    void sequencesLongerThanTheSlidingWindowAreRefused() {
        ModelConfig m = LlamaFamilyTest.variant("mistral");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.checkLength(33));
        assertTrue(e.getMessage().contains("longer than the model's sliding_window 32"), e.getMessage());
        m.checkLength(32);
        assertNull(ModelConfig.named("qwen2.5-0.5b").ropeScaling());
    }
}
