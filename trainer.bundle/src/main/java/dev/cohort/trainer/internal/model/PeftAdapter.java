package dev.cohort.trainer.internal.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.checkpoint.CheckpointException;
import dev.cohort.trainer.internal.checkpoint.DType;
import dev.cohort.trainer.internal.checkpoint.SafeTensors;
import dev.cohort.trainer.internal.checkpoint.TensorData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * LoRA adapters in PEFT's directory format, as {@code PeftModel.save_pretrained} writes it and
 * {@code PeftModel.from_pretrained} reads it: {@code adapter_config.json} (peft_type LORA,
 * task_type CAUSAL_LM, r, lora_alpha, lora_dropout, target_modules, use_rslora, bias none,
 * fan_in_fan_out true for GPT-2's Conv1D, base_model_name_or_path) and
 * {@code adapter_model.safetensors} with PEFT's names
 * ({@code base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight} (r, in),
 * {@code ...lora_B.weight} (out, r)), in float32.
 */
public final class PeftAdapter {

    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();

    private PeftAdapter() {
    }

    /** Whether dir holds an adapter (its adapter_config.json). */
    public static boolean isAdapter(Path dir) {
        return Files.isRegularFile(dir.resolve(CONFIG));
    }

    /** Writes the model's attached adapters to dir; {@code baseModel} is recorded as base_model_name_or_path. */
    public static void save(PolicyModel model, Path dir, String baseModel) throws IOException {
        LoraAdapter a = model.adapter();
        Files.createDirectories(dir);
        LoraConfig c = a.config();
        ObjectNode j = JSON.createObjectNode();
        j.put("peft_type", "LORA");
        j.put("task_type", "CAUSAL_LM");
        j.put("base_model_name_or_path", baseModel);
        j.put("r", c.r());
        j.put("lora_alpha", c.alpha());
        j.put("lora_dropout", c.dropout());
        a.targets().forEach(j.putArray("target_modules")::add);
        j.put("use_rslora", c.rslora());
        j.put("bias", "none");
        j.put("fan_in_fan_out", !model.config().type().llamaBlock());
        j.put("inference_mode", true);
        j.put("init_lora_weights", true);
        j.put("use_dora", false);
        j.putNull("modules_to_save");
        j.putNull("layers_to_transform");
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(CONFIG).toFile(), j);
        Backend be = model.backend();
        List<TensorData> tensors = new ArrayList<>();
        for (int i = 0; i < a.modules().size(); i++) {
            for (boolean isA : new boolean[] {true, false}) {
                float[] v = new float[(int) a.weight(i, isA).size()];
                be.read(a.weight(i, isA), v);
                tensors.add(new TensorData(a.modules().get(i).key(isA), a.weight(i, isA).shape(), v));
            }
        }
        new SafeTensors().write(dir.resolve(WEIGHTS), tensors, DType.F32, Map.of("format", "pt"));
    }

    /** Reads adapter_config.json, checking that it describes LoRA adapters Cohort can apply. */
    public static LoraConfig readConfig(Path dir) throws IOException {
        Path f = dir.resolve(CONFIG);
        if (!Files.isRegularFile(f)) {
            throw new CheckpointException(dir + " is not a PEFT adapter directory: no " + CONFIG);
        }
        JsonNode j = JSON.readTree(f.toFile());
        require(f, j, "peft_type", "LORA");
        require(f, j, "bias", "none");
        if (j.path("use_dora").asBoolean(false)) {
            throw new CheckpointException(f + ": use_dora true (DoRA) is not supported");
        }
        for (String pattern : List.of("rank_pattern", "alpha_pattern")) {
            if (j.has(pattern) && !j.get(pattern).isNull() && j.get(pattern).size() > 0) {
                throw new CheckpointException(f + ": " + pattern + " (per-module ranks) is not supported");
            }
        }
        if (j.hasNonNull("layers_to_transform") || j.hasNonNull("modules_to_save")) {
            throw new CheckpointException(f + ": layers_to_transform and modules_to_save are not supported");
        }
        JsonNode t = j.path("target_modules");
        List<String> targets = new ArrayList<>();
        if (t.isArray()) {
            t.forEach(n -> targets.add(n.asText()));
        } else if (t.isTextual()) {
            if (!t.asText().equals(LoraConfig.ALL_LINEAR)) {
                throw new CheckpointException(f + ": target_modules is the pattern '" + t.asText()
                        + "'; only a list of module names or all-linear is supported");
            }
            targets.add(LoraConfig.ALL_LINEAR);
        }
        if (!j.path("r").canConvertToInt() || !j.path("lora_alpha").isNumber()) {
            throw new CheckpointException(f + ": needs an integer r and a number lora_alpha");
        }
        return new LoraConfig(j.get("r").asInt(), j.get("lora_alpha").asDouble(), j.path("lora_dropout").asDouble(0),
                targets, j.path("use_rslora").asBoolean(false));
    }

    private static void require(Path f, JsonNode j, String key, String value) throws CheckpointException {
        if (!j.path(key).asText().equals(value)) {
            throw new CheckpointException(f + ": " + key + " is '" + j.path(key).asText() + "', expected '" + value + "'");
        }
    }

    /**
     * Loads the adapter directory's adapters onto {@code model} (attached, so that the model's
     * forwards and sampling use them); every tensor's name and shape is checked first.
     */
    public static LoraAdapter load(Path dir, PolicyModel model) throws IOException {
        LoraConfig c = readConfig(dir);
        Backend be = model.backend();
        LoraAdapter a;
        try {
            a = new LoraAdapter(be, model.config(), c, 0);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(dir.resolve(CONFIG) + ": " + e.getMessage());
        }
        try {
            loadValues(dir, a, model);
        } catch (IOException | RuntimeException e) {
            a.close();
            throw e;
        }
        model.attach(a);
        return a;
    }

    /**
     * Writes the adapter directory's tensors into adapters already attached (a new version of the
     * same adapters, as a worker receives them); names and shapes are checked first, as by
     * {@link #load}. The directory's adapter_config.json must describe the same adapters: the
     * same rank, scaling and resolved modules (all-linear and its list of modules are the same).
     */
    public static void loadValues(Path dir, LoraAdapter a, PolicyModel model) throws IOException {
        LoraConfig c = readConfig(dir);
        List<String> targets;
        try {
            targets = LoraModules.targets(model.config(), c.targetModules());
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(dir.resolve(CONFIG) + ": " + e.getMessage());
        }
        if (c.r() != a.config().r() || c.scaling() != a.config().scaling() || !targets.equals(a.targets())) {
            throw new CheckpointException(dir.resolve(CONFIG) + " describes " + c + ", but the attached adapters are "
                    + a.config());
        }
        Backend be = model.backend();
        Map<String, TensorData> t = new HashMap<>(new SafeTensors().read(dir.resolve(WEIGHTS)));
        for (int i = 0; i < a.modules().size(); i++) {
            for (boolean isA : new boolean[] {true, false}) {
                String key = a.modules().get(i).key(isA);
                TensorData d = t.remove(key);
                int[] want = a.weight(i, isA).shape();
                if (d == null) {
                    throw new CheckpointException(dir.resolve(WEIGHTS) + ": missing tensor " + key);
                }
                if (!Arrays.equals(d.shape(), want)) {
                    throw new CheckpointException(dir.resolve(WEIGHTS) + ": " + key + " has shape "
                            + Arrays.toString(d.shape()) + ", expected " + Arrays.toString(want));
                }
                be.write(a.weight(i, isA), d.values());
            }
        }
        if (!t.isEmpty()) {
            throw new CheckpointException(dir.resolve(WEIGHTS) + ": tensors that no module of the "
                    + model.config().type().hfName() + " model takes: " + new java.util.TreeSet<>(t.keySet()));
        }
    }

    /**
     * Merges adapters into the weights, {@code W += scaling * B A} (PEFT's {@code merge_and_unload};
     * transposed into GPT-2's Conv1D (in, out) layout), summed in double and rounded once.
     */
    public static void merge(PolicyModel model, LoraAdapter a) {
        Backend be = model.backend();
        boolean conv1d = !model.config().type().llamaBlock();
        int r = a.config().r();
        for (int i = 0; i < a.modules().size(); i++) {
            LoraModules.Module m = a.modules().get(i);
            float[] am = read(be, a.weight(i, true));
            float[] bm = read(be, a.weight(i, false));
            String name = conv1d ? m.name().substring("transformer.".length()) + ".weight" : m.name() + ".weight";
            float[] w = read(be, model.params().view(name));
            for (int o = 0; o < m.out(); o++) {
                for (int in = 0; in < m.in(); in++) {
                    double d = 0;
                    for (int k = 0; k < r; k++) {
                        d += (double) bm[o * r + k] * am[k * m.in() + in];
                    }
                    int at = conv1d ? in * m.width() + m.col() + o : o * m.in() + in;
                    w[at] = (float) (w[at] + d * a.config().scaling());
                }
            }
            be.write(model.params().view(name), w);
        }
    }

    private static float[] read(Backend be, dev.cohort.trainer.internal.backend.Tensor t) {
        float[] v = new float[(int) t.size()];
        be.read(t, v);
        return v;
    }
}
