package dev.cohort.trainer.internal.reward;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.api.reward.RewardInput;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads completions to score from a JSON-lines file: every line an object with {@code prompt}
 * and {@code completion}, optionally {@code completion_token_ids}; every other field is the
 * sample's dataset row (so a trace-jsonl file, or a dataset joined with completions, works).
 */
final class ScoreFile {

    private final ObjectMapper json = new ObjectMapper();

    RewardInput read(Path file) throws IOException {
        List<String> prompts = new ArrayList<>();
        List<String> completions = new ArrayList<>();
        List<int[]> ids = new ArrayList<>();
        List<Map<String, Object>> rows = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node = parse(file, lineNo, line);
                prompts.add(node.get("prompt").asText());
                completions.add(node.get("completion").asText());
                ids.add(tokenIds(node.get("completion_token_ids")));
                rows.add(row(node));
            }
        }
        if (prompts.isEmpty()) {
            throw new IOException(file + " holds no samples");
        }
        return RewardInput.of(0, prompts, completions, ids, rows);
    }

    private JsonNode parse(Path file, int lineNo, String line) throws IOException {
        JsonNode node;
        try {
            node = json.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IOException(file + ":" + lineNo + ": not a JSON object: " + e.getOriginalMessage(), e);
        }
        for (String field : new String[] {"prompt", "completion"}) {
            if (node == null || !node.isObject() || !node.hasNonNull(field)) {
                throw new IOException(file + ":" + lineNo + ": field '" + field + "' is missing");
            }
        }
        return node;
    }

    private static int[] tokenIds(JsonNode node) {
        if (node == null || !node.isArray()) {
            return new int[0];
        }
        int[] ids = new int[node.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = node.get(i).asInt();
        }
        return ids;
    }

    private Map<String, Object> row(JsonNode node) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().equals("completion") && !e.getKey().equals("completion_token_ids")) {
                row.put(e.getKey(), json.convertValue(e.getValue(), Object.class));
            }
        }
        return row;
    }
}
