package dev.cohort.trainer.internal.model;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face GPT-2 checkpoint directory: config.json and model.safetensors. Loading accepts
 * tensor names with or without the "transformer." prefix, ignores the causal-mask buffers
 * (attn.bias, attn.masked_bias) and a tied lm_head.weight, checks every tensor against
 * config.json and only then copies into the model: nothing is half-loaded.
 */
public final class Gpt2Checkpoint {

    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";

    private Gpt2Checkpoint() {
    }

    /** Reads config.json of a checkpoint directory. */
    public static Gpt2Config config(Path dir) throws IOException {
        Path cfg = dir.resolve(CONFIG);
        if (!Files.isRegularFile(cfg)) {
            throw new CheckpointException(dir + " has no " + CONFIG + " (a Hugging Face checkpoint directory"
                    + " holds config.json and model.safetensors)");
        }
        return Gpt2Config.read(cfg);
    }

    /** Loads a checkpoint directory into a new model on the backend. */
    public static Gpt2Model load(Path dir, Backend backend) throws IOException {
        Gpt2Config cfg = config(dir);
        Path weights = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(weights)) {
            throw new CheckpointException(dir + " has no " + WEIGHTS);
        }
        Map<String, TensorData> tensors = new SafeTensors().read(weights);
        Map<String, TensorData> mapped = map(weights, tensors, new ParamLayout(cfg));
        Gpt2Model model = new Gpt2Model(backend, cfg);
        for (TensorData t : mapped.values()) {
            backend.write(model.params().view(t.name()), t.values());
        }
        return model;
    }

    /** Checks names and shapes against the layout; returns the tensors by parameter name. */
    static Map<String, TensorData> map(Path file, Map<String, TensorData> tensors, ParamLayout layout)
            throws CheckpointException {
        Map<String, TensorData> byParam = new LinkedHashMap<>();
        List<String> unknown = new ArrayList<>();
        for (TensorData t : tensors.values()) {
            String name = t.name().startsWith("transformer.") ? t.name().substring("transformer.".length()) : t.name();
            if (name.endsWith(".attn.bias") || name.endsWith(".attn.masked_bias") || name.equals("lm_head.weight")) {
                continue;
            }
            if (!layout.has(name)) {
                unknown.add(t.name());
                continue;
            }
            int[] expected = layout.get(name).shape();
            if (!Arrays.equals(expected, t.shape())) {
                throw new CheckpointException(file + ": tensor '" + t.name() + "' has shape "
                        + Arrays.toString(t.shape()) + " but config.json implies " + Arrays.toString(expected));
            }
            byParam.put(name, new TensorData(name, t.shape(), t.values()));
        }
        List<String> missing = new ArrayList<>();
        for (ParamLayout.Entry e : layout.entries()) {
            if (!byParam.containsKey(e.name())) {
                missing.add(e.name());
            }
        }
        if (!missing.isEmpty()) {
            throw new CheckpointException(file + ": missing tensor" + (missing.size() > 1 ? "s " : " ")
                    + (missing.size() > 8 ? missing.subList(0, 8) + " and " + (missing.size() - 8) + " more" : missing)
                    + (unknown.isEmpty() ? "" : "; it has tensors GPT-2 does not use: " + unknown));
        }
        return byParam;
    }

    /** Writes config.json and model.safetensors (F32 or BF16) with Hugging Face's names. */
    public static void save(Gpt2Model model, Path dir, DType dtype) throws IOException {
        Files.createDirectories(dir);
        model.config().write(dir.resolve(CONFIG));
        List<TensorData> tensors = new ArrayList<>();
        for (ParamLayout.Entry e : model.layout().entries()) {
            float[] v = new float[(int) e.size()];
            model.backend().read(model.params().view(e.name()), v);
            tensors.add(new TensorData(e.name(), e.shape(), v));
        }
        new SafeTensors().write(dir.resolve(WEIGHTS), tensors, dtype, Map.of("format", "pt"));
    }
}
