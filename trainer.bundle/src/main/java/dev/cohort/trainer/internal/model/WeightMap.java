package dev.cohort.trainer.internal.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.trainer.internal.checkpoint.CheckpointException;
import dev.cohort.trainer.internal.checkpoint.SafeTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which file holds which parameter of a checkpoint, checked from the safetensors headers alone:
 * every parameter of the layout present once with its shape, nothing unknown. Accepted besides:
 * GPT-2's "transformer." prefix and causal-mask buffers, a tied model's lm_head.weight (equal to
 * the embedding; transformers writes it for some models), and rotary inv_freq buffers of older
 * checkpoints.
 */
final class WeightMap {

    private final List<Path> files;
    private final Map<String, String> parameterOf;

    private WeightMap(List<Path> files, Map<String, String> parameterOf) {
        this.files = files;
        this.parameterOf = parameterOf;
    }

    static WeightMap of(Path dir, ParamLayout layout) throws IOException {
        List<Path> files = files(dir);
        Map<String, String> parameterOf = new HashMap<>();
        Set<String> seen = new LinkedHashSet<>();
        List<String> unknown = new ArrayList<>();
        for (Path f : files) {
            for (Map.Entry<String, int[]> t : new SafeTensors().shapes(f).entrySet()) {
                String param = parameter(t.getKey(), layout);
                if (param == null) {
                    if (!ignored(t.getKey())) {
                        unknown.add(t.getKey());
                    }
                    continue;
                }
                int[] expected = layout.get(param).shape();
                if (!Arrays.equals(expected, t.getValue())) {
                    throw new CheckpointException(f + ": tensor '" + t.getKey() + "' has shape "
                            + Arrays.toString(t.getValue()) + " but config.json implies " + Arrays.toString(expected));
                }
                if (!seen.add(param)) {
                    throw new CheckpointException(f + ": tensor '" + t.getKey() + "' appears twice in " + dir);
                }
                parameterOf.put(t.getKey(), param);
            }
        }
        List<String> missing = new ArrayList<>();
        for (ParamLayout.Entry e : layout.entries()) {
            if (!seen.contains(e.name())) {
                missing.add(e.name());
            }
        }
        if (!missing.isEmpty() || !unknown.isEmpty()) {
            Path where = Files.isRegularFile(dir.resolve(HfCheckpoint.INDEX)) ? dir.resolve(HfCheckpoint.INDEX)
                    : files.get(0);
            throw new CheckpointException(where + ": " + (missing.isEmpty() ? "" : "missing tensor"
                    + (missing.size() > 1 ? "s " : " ") + shortList(missing) + (unknown.isEmpty() ? "" : "; "))
                    + (unknown.isEmpty() ? "" : "tensors the model does not use: " + shortList(unknown)));
        }
        return new WeightMap(files, parameterOf);
    }

    private static String shortList(List<String> names) {
        return names.size() > 8 ? names.subList(0, 8) + " and " + (names.size() - 8) + " more" : names.toString();
    }

    /** The layout's parameter a checkpoint tensor holds, or null. */
    private static String parameter(String name, ParamLayout layout) {
        String n = name.startsWith("transformer.") ? name.substring("transformer.".length()) : name;
        if (n.equals("lm_head.weight") && !layout.has("lm_head.weight")) {
            return null;
        }
        return layout.has(n) ? n : null;
    }

    private static boolean ignored(String name) {
        return name.endsWith(".attn.bias") || name.endsWith(".attn.masked_bias") || name.equals("lm_head.weight")
                || name.endsWith("rotary_emb.inv_freq");
    }

    /** model.safetensors, or the shards model.safetensors.index.json names. */
    private static List<Path> files(Path dir) throws IOException {
        Path single = dir.resolve(HfCheckpoint.WEIGHTS);
        Path index = dir.resolve(HfCheckpoint.INDEX);
        if (Files.isRegularFile(index)) {
            JsonNode map = new ObjectMapper().readTree(index.toFile()).path("weight_map");
            if (!map.isObject() || map.size() == 0) {
                throw new CheckpointException(index + ": no weight_map");
            }
            Set<String> names = new LinkedHashSet<>();
            for (Iterator<JsonNode> it = map.elements(); it.hasNext();) {
                names.add(it.next().asText());
            }
            List<Path> files = new ArrayList<>();
            for (String n : names) {
                Path f = dir.resolve(n);
                if (!Files.isRegularFile(f)) {
                    throw new CheckpointException(index + " names shard " + n + ", which is not in " + dir);
                }
                files.add(f);
            }
            return files;
        }
        if (Files.isRegularFile(single)) {
            return List.of(single);
        }
        String hint = Files.isRegularFile(dir.resolve("pytorch_model.bin"))
                ? " (it has pytorch_model.bin: Cohort reads safetensors only; save the model with"
                        + " safe_serialization=True)" : "";
        throw new CheckpointException(dir + " has neither " + HfCheckpoint.WEIGHTS + " nor " + HfCheckpoint.INDEX + hint);
    }

    List<Path> files() {
        return files;
    }

    /** The parameter a tensor name of the files holds, or null for a tensor that is skipped. */
    String parameter(String tensor) {
        return parameterOf.get(tensor);
    }
}
