package dev.cohort.trainer.internal.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.checkpoint.CheckpointException;
import dev.cohort.trainer.internal.checkpoint.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adapter directories in PEFT's format: adapter_config.json's fields and the tensor names and
 * shapes that PEFT's get_peft_model_state_dict gives (written out here from PEFT's conventions:
 * {@code base_model.model.} + the module's path in the transformers model + {@code .lora_A.weight}
 * (r, in) or {@code .lora_B.weight} (out, r)), a bit-exact round trip, and refusals.
 */
class PeftAdapterTest {

    @TempDir
    Path dir;

    private final JavaBackend be = new JavaBackend(2);

    @AfterEach
    void close() {
        be.close();
    }

    private static Map<String, String> shapes(Path file) throws Exception {
        Map<String, String> out = new TreeMap<>();
        new SafeTensors().shapes(file).forEach((k, v) -> out.put(k, java.util.Arrays.toString(v)));
        return out;
    }

    @Test
    void aQwen2AdapterHasPeftsConfigAndNames() throws Exception {
        PolicyModel m = LoraModelTest.model(be, "qwen2", 3); // hidden 12, 4 heads of 4, 2 kv heads, intermediate 20
        LoraModelTest.adapter(be, m, new LoraConfig(2, 16, 0.05, List.of("v_proj", "q_proj", "down_proj"), true), 1);
        PeftAdapter.save(m, dir, "Qwen/Qwen2.5-0.5B");
        JsonNode j = new ObjectMapper().readTree(dir.resolve("adapter_config.json").toFile());
        assertEquals("LORA", j.get("peft_type").asText());
        assertEquals("CAUSAL_LM", j.get("task_type").asText());
        assertEquals("Qwen/Qwen2.5-0.5B", j.get("base_model_name_or_path").asText());
        assertEquals(2, j.get("r").asInt());
        assertEquals(16.0, j.get("lora_alpha").asDouble());
        assertEquals(0.05, j.get("lora_dropout").asDouble());
        assertEquals("[\"q_proj\",\"v_proj\",\"down_proj\"]", j.get("target_modules").toString());
        assertEquals(true, j.get("use_rslora").asBoolean());
        assertEquals("none", j.get("bias").asText());
        assertEquals(false, j.get("fan_in_fan_out").asBoolean());
        Map<String, String> want = new TreeMap<>();
        for (int l = 0; l < 2; l++) {
            String p = "base_model.model.model.layers." + l + ".";
            want.put(p + "self_attn.q_proj.lora_A.weight", "[2, 12]");
            want.put(p + "self_attn.q_proj.lora_B.weight", "[16, 2]");
            want.put(p + "self_attn.v_proj.lora_A.weight", "[2, 12]");
            want.put(p + "self_attn.v_proj.lora_B.weight", "[8, 2]");
            want.put(p + "mlp.down_proj.lora_A.weight", "[2, 20]");
            want.put(p + "mlp.down_proj.lora_B.weight", "[12, 2]");
        }
        assertEquals(want, shapes(dir.resolve("adapter_model.safetensors")));
        PolicyModel again = LoraModelTest.model(be, "qwen2", 3);
        LoraAdapter loaded = PeftAdapter.load(dir, again);
        assertEquals(m.adapter().targets(), loaded.targets());
        assertEquals(m.adapter().config().scaling(), loaded.config().scaling());
        float[] a = new float[(int) loaded.params().size()];
        float[] b = new float[a.length];
        be.read(m.adapter().params(), a);
        be.read(loaded.params(), b);
        assertArrayEquals(a, b, 0f);
    }

    @Test
    void aGpt2AdapterNamesConv1dModulesAsPeftDoes() throws Exception {
        PolicyModel m = LoraModelTest.model(be, "gpt2", 3); // n_embd 8, 2 layers
        LoraModelTest.adapter(be, m, new LoraConfig(4, 8, 0, List.of(), false), 1);
        PeftAdapter.save(m, dir, "gpt2");
        JsonNode j = new ObjectMapper().readTree(dir.resolve("adapter_config.json").toFile());
        assertEquals(true, j.get("fan_in_fan_out").asBoolean(), "GPT-2's Conv1D");
        assertEquals("[\"c_attn\"]", j.get("target_modules").toString(), "PEFT's default for GPT-2");
        Map<String, String> s = shapes(dir.resolve("adapter_model.safetensors"));
        assertEquals("[4, 8]", s.get("base_model.model.transformer.h.1.attn.c_attn.lora_A.weight"));
        assertEquals("[24, 4]", s.get("base_model.model.transformer.h.1.attn.c_attn.lora_B.weight"));
        assertEquals(4, s.size());
        PolicyModel proj = LoraModelTest.model(be, "gpt2", 3);
        LoraModelTest.adapter(be, proj, new LoraConfig(4, 8, 0, List.of("c_proj"), false), 1);
        PeftAdapter.save(proj, dir.resolve("proj"), "gpt2");
        s = shapes(dir.resolve("proj").resolve("adapter_model.safetensors"));
        assertEquals("[4, 32]", s.get("base_model.model.transformer.h.0.mlp.c_proj.lora_A.weight"));
        assertEquals("[8, 4]", s.get("base_model.model.transformer.h.0.attn.c_proj.lora_B.weight"));
        assertEquals(8, s.size(), "c_proj is the attention's and the MLP's output, as PEFT's suffix match takes both");
    }

    @Test
    void wrongAdaptersAreRefusedNamingFileAndTensor() throws Exception {
        PolicyModel m = LoraModelTest.model(be, "qwen2", 3);
        LoraModelTest.adapter(be, m, new LoraConfig(2, 4, 0, List.of("q_proj"), false), 1);
        PeftAdapter.save(m, dir, "base");
        Path cfg = dir.resolve("adapter_config.json");
        String json = Files.readString(cfg);
        Files.writeString(cfg, json.replace("\"r\" : 2", "\"r\" : 3"));
        String e = assertThrows(CheckpointException.class, () -> PeftAdapter.load(dir, LoraModelTest.model(be, "qwen2", 3)))
                .getMessage();
        assertEquals(dir.resolve("adapter_model.safetensors") + ": base_model.model.model.layers.0.self_attn.q_proj"
                + ".lora_A.weight has shape [2, 12], expected [3, 12]", e);
        Files.writeString(cfg, json.replace("\"q_proj\"", "\"k_proj\""));
        e = assertThrows(CheckpointException.class, () -> PeftAdapter.load(dir, LoraModelTest.model(be, "qwen2", 3)))
                .getMessage();
        assertEquals(dir.resolve("adapter_model.safetensors")
                + ": missing tensor base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight", e);
        Files.writeString(cfg, json.replace("\"LORA\"", "\"IA3\""));
        e = assertThrows(CheckpointException.class, () -> PeftAdapter.load(dir, LoraModelTest.model(be, "qwen2", 3)))
                .getMessage();
        assertEquals(cfg + ": peft_type is 'IA3', expected 'LORA'", e);
    }
}
