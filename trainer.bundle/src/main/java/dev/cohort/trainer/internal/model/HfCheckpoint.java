package dev.cohort.trainer.internal.model;

import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.checkpoint.CheckpointException;
import dev.cohort.trainer.internal.checkpoint.DType;
import dev.cohort.trainer.internal.checkpoint.SafeTensors;
import dev.cohort.trainer.internal.checkpoint.TensorData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face checkpoint directory: config.json (and generation_config.json's EOS ids), and
 * model.safetensors or model.safetensors.index.json with its shards, in F32, BF16 or F16. Every
 * tensor's name and shape is checked against config.json from the files' headers before any
 * weight is read (see {@link WeightMap}); a model is handed out only when all of it loaded.
 * Saving writes the same layout and names, sharded above a size, so that transformers loads it.
 */
public final class HfCheckpoint {

    public static final String CONFIG = "config.json";
    public static final String GENERATION_CONFIG = "generation_config.json";
    public static final String WEIGHTS = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    /** Shards of at most this many bytes, as transformers' save_pretrained default (5 GB). */
    public static final long MAX_SHARD_BYTES = 5_000_000_000L;

    private HfCheckpoint() {
    }

    /** Reads config.json of a checkpoint directory, with generation_config.json's EOS ids. */
    public static ModelConfig config(Path dir) throws IOException {
        Path cfg = dir.resolve(CONFIG);
        if (!Files.isRegularFile(cfg)) {
            throw new CheckpointException(dir + " has no " + CONFIG + " (a Hugging Face checkpoint directory"
                    + " holds config.json and model.safetensors or model.safetensors.index.json)");
        }
        return ConfigJson.withGenerationEos(ConfigJson.read(cfg), dir.resolve(GENERATION_CONFIG));
    }

    /** Loads a checkpoint directory into a new model on the backend. */
    public static PolicyModel load(Path dir, Backend backend) throws IOException {
        ModelConfig cfg = config(dir);
        WeightMap map = WeightMap.of(dir, new ParamLayout(cfg));
        PolicyModel model = new PolicyModel(backend, cfg);
        try {
            SafeTensors st = new SafeTensors();
            for (Path shard : map.files()) {
                for (TensorData t : st.read(shard).values()) {
                    String param = map.parameter(t.name());
                    if (param != null) {
                        backend.write(model.params().view(param), t.values());
                    }
                }
            }
            return model;
        } catch (IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Saves in the source's dtype (config.json's torch_dtype), float32 for models made here. */
    public static void save(PolicyModel model, Path dir) throws IOException {
        save(model, dir, DType.ofTorch(model.config().dtype()));
    }

    /** Writes config.json, generation_config.json and the weights in {@code dtype}, with Hugging Face's names. */
    public static void save(PolicyModel model, Path dir, DType dtype) throws IOException {
        save(model, dir, dtype, MAX_SHARD_BYTES);
    }

    static void save(PolicyModel model, Path dir, DType dtype, long maxShardBytes) throws IOException {
        Files.createDirectories(dir);
        ModelConfig cfg = model.config();
        ConfigJson.write(cfg, dir.resolve(CONFIG), dtype.torchName());
        if (cfg.type().llamaBlock()) {
            GenerationConfig.write(cfg, dir.resolve(GENERATION_CONFIG));
        }
        List<List<ParamLayout.Entry>> shards = Shards.plan(model.layout(), dtype, maxShardBytes);
        Map<String, String> meta = Map.of("format", "pt");
        SafeTensors st = new SafeTensors();
        if (shards.size() == 1) {
            st.write(dir.resolve(WEIGHTS), Shards.read(model, shards.get(0)), dtype, meta);
            Files.deleteIfExists(dir.resolve(INDEX));
            return;
        }
        for (int i = 0; i < shards.size(); i++) {
            st.write(dir.resolve(Shards.fileName(i, shards.size())), Shards.read(model, shards.get(i)), dtype, meta);
        }
        Shards.writeIndex(dir.resolve(INDEX), shards, dtype);
        Files.deleteIfExists(dir.resolve(WEIGHTS));
    }
}
