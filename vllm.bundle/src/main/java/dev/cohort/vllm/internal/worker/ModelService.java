package dev.cohort.vllm.internal.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.model.Completion;
import dev.cohort.trainer.internal.model.HfCheckpoint;
import dev.cohort.trainer.internal.model.PeftAdapter;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.model.Sampler;
import dev.cohort.trainer.internal.model.SamplingParams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Java worker's model: generate, load_weights and load_adapter over the trainer's own GPT-2 and sampler,
 * exactly as the trainer's EmbeddedEngine does (so the same weights, request and seed give the
 * same tokens and log-probs). One caller at a time.
 */
final class ModelService implements AutoCloseable {

    private final ObjectMapper json;
    private final Backend backend;
    private final PolicyModel model;
    private final Sampler sampler;
    private final String name;
    private volatile long version;
    /** The checkpoint directory the weights hold (absolute), or null after a failed load. */
    private String base;

    ModelService(Path dir, int threads, ObjectMapper json) throws IOException {
        this.json = json;
        this.backend = new JavaBackend(threads);
        this.model = HfCheckpoint.load(dir, backend);
        this.sampler = new Sampler(model);
        this.name = dir.toAbsolutePath().normalize().toString();
        this.base = name;
    }

    String name() {
        return name;
    }

    long version() {
        return version;
    }

    int vocabSize() {
        return model.config().vocabSize();
    }

    ObjectNode generate(JsonNode raw) throws BadRequest, VersionMismatch {
        Params p = new Params(raw);
        int vocab = model.config().vocabSize();
        JsonNode promptsNode = p.node("prompts");
        if (promptsNode == null || !promptsNode.isArray() || promptsNode.isEmpty()) {
            throw new BadRequest("prompts", "must be a non-empty list of token-id lists, got " + promptsNode);
        }
        List<int[]> distinct = new ArrayList<>(promptsNode.size());
        for (int i = 0; i < promptsNode.size(); i++) {
            int[] prompt = Params.tokens(promptsNode.get(i), "prompts[" + i + "]", vocab);
            if (prompt.length == 0) {
                throw new BadRequest("prompts[" + i + "]", "is empty");
            }
            distinct.add(prompt);
        }
        int n = p.integer("n", 1);
        if (n < 1) {
            throw new BadRequest("n", "must be >= 1, got " + n);
        }
        int maxTokens = p.integer("max_tokens", null);
        int topK = p.integer("top_k", 0);
        SamplingParams sp;
        try {
            sp = new SamplingParams(maxTokens, p.number("temperature", 1f), topK < 0 ? 0 : topK,
                    p.number("top_p", 1f), p.number("min_p", 0f), p.longValue("seed", 0L));
        } catch (IllegalArgumentException e) {
            throw new BadRequest(samplingField(e.getMessage()), e.getMessage());
        }
        int[] stops = Params.tokens(p.node("stop_token_ids") == null ? json.createArrayNode() : p.node("stop_token_ids"),
                "stop_token_ids", vocab);
        JsonNode wanted = p.node("weights_version");
        if (wanted != null && p.longValue("weights_version", null) != version) {
            throw new VersionMismatch("worker holds weights version " + version + ", the request wants " + wanted);
        }
        return sample(distinct, n, sp, stops);
    }

    private static String samplingField(String message) {
        for (String f : new String[] {"max_new_tokens", "temperature", "top_k", "top_p", "min_p"}) {
            if (message.startsWith(f)) {
                return f.equals("max_new_tokens") ? "max_tokens" : f;
            }
        }
        return "";
    }

    /** EmbeddedEngine.generate: every prompt n times, one Sampler call, ending at any of stop_token_ids. */
    private ObjectNode sample(List<int[]> distinct, int n, SamplingParams sp, int[] eos) throws BadRequest {
        List<int[]> prompts = new ArrayList<>(distinct.size() * n);
        for (int[] prompt : distinct) {
            for (int k = 0; k < n; k++) {
                prompts.add(prompt);
            }
        }
        List<Completion> done;
        try {
            done = sampler.generate(prompts, sp, eos);
        } catch (IllegalArgumentException e) {
            throw new BadRequest("prompts", e.getMessage());
        }
        ObjectNode result = json.createObjectNode();
        result.put("weights_version", version);
        ArrayNode all = result.putArray("completions");
        for (int i = 0; i < distinct.size(); i++) {
            ArrayNode group = all.addArray();
            for (int k = 0; k < n; k++) {
                Completion c = done.get(i * n + k);
                ObjectNode o = group.addObject();
                ArrayNode ids = o.putArray("token_ids");
                for (int t : c.tokens()) {
                    ids.add(t);
                }
                ArrayNode lps = o.putArray("logprobs");
                for (float lp : c.logprobs()) {
                    lps.add((double) lp); // a double prints the float's exact value: it parses back bit for bit
                }
                o.put("finish_reason", c.finish() == Completion.Finish.EOS ? "stop" : "length");
            }
        }
        return result;
    }

    /**
     * Loads a checkpoint directory of the same shape into the model, as EmbeddedEngine.loadWeights;
     * adapters loaded before are switched off (these are the policy's whole weights).
     */
    ObjectNode loadWeights(JsonNode raw) throws BadRequest {
        Params p = new Params(raw);
        Path dir = Path.of(p.text("path"));
        long newVersion = p.longValue("version", null);
        copyWeights(dir, "path");
        model.adapterEnabled(false);
        version = newVersion;
        return json.createObjectNode().put("weights_version", newVersion);
    }

    /**
     * load_adapter: brings the weights to {@code base} (a checkpoint directory, loaded only when
     * the worker does not already hold it) and loads the PEFT adapter directory {@code path} onto
     * them, unmerged, so that sampling runs the very forward the trainer's policy runs.
     */
    ObjectNode loadAdapter(JsonNode raw) throws BadRequest {
        Params p = new Params(raw);
        Path dir = Path.of(p.text("path"));
        Path baseDir = Path.of(p.text("base")).toAbsolutePath().normalize();
        long newVersion = p.longValue("version", null);
        if (!PeftAdapter.isAdapter(dir)) {
            throw new BadRequest("path", dir + " is not a PEFT adapter directory: no " + PeftAdapter.CONFIG);
        }
        if (!baseDir.toString().equals(base)) {
            copyWeights(baseDir, "base");
        }
        try {
            if (model.adapter() == null) {
                PeftAdapter.load(dir, model);
            } else {
                PeftAdapter.loadValues(dir, model.adapter(), model);
            }
        } catch (IOException e) {
            throw new BadRequest("path", e.getMessage());
        }
        model.adapterEnabled(true);
        version = newVersion;
        return json.createObjectNode().put("weights_version", newVersion);
    }

    private void copyWeights(Path dir, String field) throws BadRequest {
        if (!Files.isDirectory(dir)) {
            throw new BadRequest(field, dir + " is not a directory");
        }
        base = null; // a load that fails part-way leaves no known base
        try (PolicyModel loaded = HfCheckpoint.load(dir, backend)) {
            if (!loaded.config().equals(model.config())) {
                throw new BadRequest(field, dir + " holds a model of another shape: " + loaded.config()
                        + "; the worker serves " + model.config());
            }
            float[] values = new float[(int) model.layout().total()];
            backend.read(loaded.params().all(), values);
            backend.write(model.params().all(), values);
        } catch (IOException e) {
            throw new BadRequest(field, e.getMessage());
        }
        base = dir.toAbsolutePath().normalize().toString();
    }

    @Override
    public void close() {
        sampler.close();
        model.close();
    }
}
