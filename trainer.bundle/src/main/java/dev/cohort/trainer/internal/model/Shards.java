package dev.cohort.trainer.internal.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.trainer.internal.checkpoint.DType;
import dev.cohort.trainer.internal.checkpoint.TensorData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How a checkpoint's weights are split into files as transformers' save_pretrained splits them:
 * parameters in order, a new shard when the next would pass the size limit, files named
 * {@code model-00001-of-00003.safetensors}, and an index with {@code metadata.total_size} and
 * {@code weight_map}.
 */
final class Shards {

    private Shards() {
    }

    static List<List<ParamLayout.Entry>> plan(ParamLayout layout, DType dtype, long maxBytes) {
        List<List<ParamLayout.Entry>> shards = new ArrayList<>();
        List<ParamLayout.Entry> current = new ArrayList<>();
        long bytes = 0;
        for (ParamLayout.Entry e : layout.entries()) {
            long size = e.size() * dtype.bytes();
            if (!current.isEmpty() && bytes + size > maxBytes) {
                shards.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(e);
            bytes += size;
        }
        shards.add(current);
        return shards;
    }

    static String fileName(int i, int count) {
        return String.format("model-%05d-of-%05d.safetensors", i + 1, count);
    }

    /** The shard's parameters, read from the backend. */
    static List<TensorData> read(PolicyModel model, List<ParamLayout.Entry> shard) {
        List<TensorData> out = new ArrayList<>();
        for (ParamLayout.Entry e : shard) {
            float[] v = new float[(int) e.size()];
            model.backend().read(model.params().view(e.name()), v);
            out.add(new TensorData(e.name(), e.shape(), v));
        }
        return out;
    }

    static void writeIndex(Path file, List<List<ParamLayout.Entry>> shards, DType dtype) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        long total = 0;
        ObjectNode map = json.createObjectNode();
        for (int i = 0; i < shards.size(); i++) {
            for (ParamLayout.Entry e : shards.get(i)) {
                total += e.size() * dtype.bytes();
                map.put(e.name(), fileName(i, shards.size()));
            }
        }
        root.putObject("metadata").put("total_size", total);
        root.set("weight_map", map);
        json.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
    }
}
