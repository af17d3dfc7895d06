package dev.cohort.core.internal.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.api.rollout.RolloutBatch;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a rollout trace in the trace-jsonl format (docs/trace-format.md: one JSON object per
 * sample) back into batches: consecutive lines with the same run and step form one batch.
 */
final class TraceReader {

    private final ObjectMapper mapper = new ObjectMapper();

    List<RolloutBatch> read(Path file) throws IOException {
        List<RolloutBatch> batches = new ArrayList<>();
        List<JsonNode> pending = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node = parse(file, lineNo, line);
                if (!pending.isEmpty() && !sameBatch(pending.get(0), node)) {
                    batches.add(toBatch(file, pending));
                    pending.clear();
                }
                pending.add(node);
            }
        }
        if (!pending.isEmpty()) {
            batches.add(toBatch(file, pending));
        }
        return batches;
    }

    private JsonNode parse(Path file, int lineNo, String line) throws IOException {
        JsonNode node;
        try {
            node = mapper.readTree(line);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(file + ":" + lineNo + ": not a JSON object: " + e.getOriginalMessage(), e);
        }
        for (String field : new String[] {"run_id", "step", "sample", "group", "prompt", "completion",
            "advantage"}) {
            if (node == null || !node.isObject() || !node.hasNonNull(field)) {
                throw new IOException(file + ":" + lineNo + ": field '" + field + "' is missing");
            }
        }
        ((com.fasterxml.jackson.databind.node.ObjectNode) node).put("_line", lineNo);
        return node;
    }

    private static boolean sameBatch(JsonNode a, JsonNode b) {
        return a.get("run_id").asText().equals(b.get("run_id").asText())
                && a.get("step").asLong() == b.get("step").asLong();
    }

    private static RolloutBatch toBatch(Path file, List<JsonNode> rows) throws IOException {
        int n = rows.size();
        List<String> prompts = new ArrayList<>(n);
        List<String> completions = new ArrayList<>(n);
        double[] adv = new double[n];
        double[] total = new double[n];
        int[] tokens = new int[n];
        boolean[] truncated = new boolean[n];
        Map<String, double[]> rewards = new LinkedHashMap<>();
        int groupSize = 0;
        for (int i = 0; i < n; i++) {
            JsonNode r = rows.get(i);
            if (r.get("sample").asInt() != i) {
                throw new IOException(file + ":" + r.get("_line").asInt() + ": expected sample " + i
                        + " of step " + r.get("step").asLong() + ", found " + r.get("sample").asInt());
            }
            if (r.get("group").asInt() == 0) {
                groupSize++;
            }
            prompts.add(r.get("prompt").asText());
            completions.add(r.get("completion").asText());
            adv[i] = number(r.get("advantage"));
            total[i] = number(r.get("total_reward"));
            tokens[i] = r.path("completion_tokens").asInt(0);
            truncated[i] = r.path("truncated").asBoolean(false);
            JsonNode rw = r.path("rewards");
            for (Iterator<String> it = rw.fieldNames(); it.hasNext();) {
                String name = it.next();
                rewards.computeIfAbsent(name, k -> filledNaN(n))[i] = number(rw.get(name));
            }
        }
        JsonNode first = rows.get(0);
        RolloutBatch.Builder b = RolloutBatch.builder().runId(first.get("run_id").asText())
                .step(first.get("step").asLong()).groupSize(groupSize).prompts(prompts)
                .completions(completions).advantages(adv).totalRewards(total)
                .completionTokens(tokens).truncated(truncated);
        if (first.hasNonNull("weights_version")) {
            b.weightsVersion(first.get("weights_version").asLong());
        }
        if (first.hasNonNull("scored_at")) {
            b.scoredAt(Instant.parse(first.get("scored_at").asText()));
        }
        rewards.forEach(b::reward);
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ":" + first.get("_line").asInt() + ": step "
                    + first.get("step").asLong() + " is not a valid batch: " + e.getMessage(), e);
        }
    }

    private static double number(JsonNode node) {
        return node == null || node.isNull() ? Double.NaN : node.asDouble();
    }

    private static double[] filledNaN(int n) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, Double.NaN);
        return a;
    }
}
