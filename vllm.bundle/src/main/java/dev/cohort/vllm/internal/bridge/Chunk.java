package dev.cohort.vllm.internal.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.api.engine.GenerationRequest;
import dev.cohort.api.engine.GenerationResult;
import java.util.ArrayList;
import java.util.List;

/**
 * Prompts [from, to) of a request, as one generate call. The seed is shifted so that completion
 * {@code k} of the whole batch draws from the same random stream wherever it runs: Cohort's
 * sampler seeds stream {@code i} with {@code mix(seed + GOLDEN * (i + 1))}, so a chunk whose first
 * completion is number {@code k} gets {@code seed + GOLDEN * k}.
 */
record Chunk(int from, int to) {

    /** The SplitMix64 increment of the sampler's per-sequence seeding. */
    static final long GOLDEN = 0x9E3779B97F4A7C15L;

    /** {@code parts} contiguous chunks as even as possible (at most one per prompt). */
    static List<Chunk> split(int prompts, int parts) {
        int k = Math.max(1, Math.min(parts, prompts));
        List<Chunk> out = new ArrayList<>(k);
        for (int j = 0; j < k; j++) {
            out.add(new Chunk((int) ((long) j * prompts / k), (int) ((long) (j + 1) * prompts / k)));
        }
        return out;
    }

    int size() {
        return to - from;
    }

    long seed(GenerationRequest r) {
        return r.seed() + GOLDEN * ((long) from * r.n());
    }

    ObjectNode params(GenerationRequest r) {
        ObjectNode p = JsonNodeFactory.instance.objectNode();
        ArrayNode prompts = p.putArray("prompts");
        for (int i = from; i < to; i++) {
            ArrayNode ids = prompts.addArray();
            for (int t : r.prompts().get(i)) {
                ids.add(t);
            }
        }
        p.put("n", r.n());
        p.put("max_tokens", r.maxTokens());
        p.put("temperature", (double) r.temperature());
        p.put("top_p", (double) r.topP());
        p.put("top_k", r.topK());
        p.put("min_p", (double) r.minP());
        p.put("seed", seed(r));
        p.put("logprobs", true);
        ArrayNode stops = p.putArray("stop_token_ids");
        for (int t : r.stopTokenIds()) {
            stops.add(t);
        }
        p.put("weights_version", r.weightsVersion());
        return p;
    }

    /**
     * The chunk's completions, group-contiguous.
     *
     * @throws IllegalArgumentException saying what does not match the request
     */
    List<GenerationResult.Completion> completions(JsonNode result, GenerationRequest r, int vocab) {
        long v = result.path("weights_version").asLong(Long.MIN_VALUE);
        if (v != r.weightsVersion()) {
            throw new IllegalArgumentException("result is at weights version " + result.path("weights_version")
                    + ", the request wants " + r.weightsVersion());
        }
        JsonNode groups = result.path("completions");
        if (!groups.isArray() || groups.size() != size()) {
            throw new IllegalArgumentException("expected completions for " + size() + " prompts, got "
                    + (groups.isArray() ? groups.size() : "no list"));
        }
        List<GenerationResult.Completion> out = new ArrayList<>(size() * r.n());
        for (int i = 0; i < size(); i++) {
            JsonNode g = groups.get(i);
            if (!g.isArray() || g.size() != r.n()) {
                throw new IllegalArgumentException("prompt " + (from + i) + ": expected " + r.n() + " completions, got "
                        + (g.isArray() ? g.size() : "no list"));
            }
            for (JsonNode c : g) {
                out.add(CompletionCheck.completion(c, from + i, r, vocab));
            }
        }
        return out;
    }
}
