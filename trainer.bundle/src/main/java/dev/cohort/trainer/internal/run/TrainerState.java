package dev.cohort.trainer.internal.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.cohort.trainer.internal.checkpoint.CheckpointException;
import dev.cohort.trainer.internal.checkpoint.DType;
import dev.cohort.trainer.internal.checkpoint.SafeTensors;
import dev.cohort.trainer.internal.checkpoint.TensorData;
import dev.cohort.trainer.internal.model.AdamW;
import dev.cohort.trainer.internal.model.HfCheckpoint;
import dev.cohort.trainer.internal.model.PeftAdapter;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.tokenizer.Tokenizer;
import dev.cohort.trainer.internal.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Checkpoints of a run: the model as a Hugging Face directory (config.json, model.safetensors,
 * tokenizer.json), the optimizer's moments (optimizer.safetensors) and the trainer's state
 * (trainer_state.json: step, optimizer step, data position, run id, seed, the configuration, and
 * the fields of Hugging Face's TrainerState that tools read: {@code global_step}, {@code epoch},
 * {@code max_steps}, {@code logging_steps}, {@code save_steps} and {@code log_history}), written to
 * a temporary directory and renamed into place, so a checkpoint is either whole or absent. As
 * the Trainer's {@code json.dumps(indent=2, sort_keys=True)}, keys are sorted at every level.
 */
final class TrainerState {

    static final String OPTIMIZER = "optimizer.safetensors";
    static final String STATE = "trainer_state.json";
    /** The float32 weights, in optimizer.safetensors when model.safetensors holds them rounded. */
    static final String MASTER_WEIGHTS = "master_weights";

    /** What a resumed run continues from. */
    record Saved(String runId, int step, int optimizerStep, long dataPosition, long seed,
            List<Map<String, Object>> logHistory) {
    }

    private TrainerState() {
    }

    static Path save(Path runDir, int step, PolicyModel model, Tokenizer tok, AdamW opt, long dataPosition,
            String runId, long seed, Map<String, Object> config, DType dtype, Map<String, Object> hfState)
            throws IOException {
        return save(runDir, step, model, tok, opt, dataPosition, runId, seed, config, dtype, hfState, null);
    }

    /** As above; {@code async}, when not null, is written as "async" (the batches in flight). */
    static Path save(Path runDir, int step, PolicyModel model, Tokenizer tok, AdamW opt, long dataPosition,
            String runId, long seed, Map<String, Object> config, DType dtype, Map<String, Object> hfState,
            Map<String, Object> async)
            throws IOException {
        Files.createDirectories(runDir);
        Path target = runDir.resolve("checkpoint-" + step);
        Path tmp = runDir.resolve("checkpoint-" + step + ".tmp-" + System.nanoTime());
        try {
            if (model.adapter() != null) { // LoRA: the adapters in PEFT's format, the frozen weights stay where they are
                PeftAdapter.save(model, tmp, String.valueOf(config.get("model")));
            } else {
                HfCheckpoint.save(model, tmp, dtype);
            }
            TokenizerFiles.write(tmp, tok);
            writeOptimizer(tmp.resolve(OPTIMIZER), model, opt, dtype != DType.F32 && model.adapter() == null);
            Map<String, Object> s = new java.util.TreeMap<>(hfState);
            s.put("run_id", runId);
            s.put("step", step);
            s.put("optimizer_step", opt.step());
            s.put("data_position", dataPosition);
            s.put("seed", seed);
            s.put("config", config);
            if (async != null) {
                s.put("async", async);
            }
            StateJson.write(tmp.resolve(STATE), s);
            if (Files.exists(target)) {
                deleteTree(target);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } finally {
            if (Files.exists(tmp)) {
                deleteTree(tmp);
            }
        }
    }

    /**
     * AdamW's moments, and the float32 weights when the model file holds them rounded (a BF16 or
     * F16 save_dtype), so that a resumed run continues from the exact weights.
     */
    private static void writeOptimizer(Path file, PolicyModel model, AdamW opt, boolean masterWeights)
            throws IOException {
        int n = (int) model.trainableParams().size();
        List<TensorData> tensors = new java.util.ArrayList<>();
        tensors.add(new TensorData("exp_avg", new int[] {n}, read(model, opt.moments(true), n)));
        tensors.add(new TensorData("exp_avg_sq", new int[] {n}, read(model, opt.moments(false), n)));
        if (masterWeights) {
            tensors.add(new TensorData(MASTER_WEIGHTS, new int[] {n}, read(model, model.params().all(), n)));
        }
        new SafeTensors().write(file, tensors, DType.F32, Map.of("format", "cohort"));
    }

    private static float[] read(PolicyModel model, dev.cohort.trainer.internal.backend.Tensor t, int n) {
        float[] v = new float[n];
        model.backend().read(t, v);
        return v;
    }

    static Saved read(Path checkpoint) throws IOException {
        Path f = checkpoint.resolve(STATE);
        if (!Files.isRegularFile(f)) {
            throw new CheckpointException(checkpoint + " is not a Cohort checkpoint: no " + STATE);
        }
        ObjectMapper json = new ObjectMapper();
        JsonNode n = json.readTree(f.toFile());
        List<Map<String, Object>> history = n.has("log_history")
                ? json.convertValue(n.get("log_history"), new TypeReference<List<Map<String, Object>>>() { })
                : List.of();
        return new Saved(n.path("run_id").asText(), n.path("step").asInt(), n.path("optimizer_step").asInt(),
                n.path("data_position").asLong(), n.path("seed").asLong(), history);
    }

    /** Loads the optimizer's moments and step count. */
    static void restoreOptimizer(Path checkpoint, PolicyModel model, AdamW opt, int optimizerStep) throws IOException {
        Map<String, TensorData> t = new SafeTensors().read(checkpoint.resolve(OPTIMIZER));
        TensorData m = t.get("exp_avg");
        TensorData v = t.get("exp_avg_sq");
        long n = model.trainableParams().size();
        if (m == null || v == null || m.elements() != n || v.elements() != n) {
            throw new CheckpointException(checkpoint.resolve(OPTIMIZER) + ": expected exp_avg and exp_avg_sq of "
                    + n + " elements" + (model.adapter() != null ? " (the LoRA adapters')" : ""));
        }
        model.backend().write(opt.moments(true), m.values());
        model.backend().write(opt.moments(false), v.values());
        TensorData master = t.get(MASTER_WEIGHTS);
        if (master != null) {
            if (master.elements() != model.layout().total()) {
                throw new CheckpointException(checkpoint.resolve(OPTIMIZER) + ": " + MASTER_WEIGHTS + " has "
                        + master.elements() + " elements, the model " + model.layout().total());
            }
            model.backend().write(model.params().all(), master.values());
        }
        opt.restoreStep(optimizerStep);
    }

    /** Deletes {@code dir} and everything under it. */
    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
