package dev.cohort.trainer.internal.tokenizer.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Reads a Hugging Face {@code tokenizer.json}. Components Cohort does not implement (WordPiece,
 * Unigram, BERT normalizers, ...) are refused here, with their JSON path and type, rather than
 * tokenizing differently later.
 */
public final class TokenizerJson {

    private TokenizerJson() {
    }

    /** The tokenizer in {@code json}; {@code file} names it in errors; {@code eos} may be -1 (none). */
    public static HfTokenizer read(byte[] json, String file, int eos) throws IOException {
        JsonNode root = new ObjectMapper().readTree(json);
        JsonPath j = new JsonPath(file, "", root);
        if (!root.isObject() || !root.has("model")) {
            throw j.error("not a Hugging Face tokenizer.json (no \"model\")");
        }
        Normalizer normalizer = Components.normalizer(j.get("normalizer"));
        BpeModel model = model(j.get("model"));
        AddedVocabulary added = new AddedVocabulary(addedTokens(j.get("added_tokens")), normalizer);
        Pipeline p = new Pipeline(normalizer, Components.preTokenizer(j.get("pre_tokenizer")), model, added,
                PostProcessors.of(j.get("post_processor")), Components.decoder(j.get("decoder")));
        return new HfTokenizer("huggingface", p, eos, Map.of());
    }

    private static BpeModel model(JsonPath j) {
        String type = j.node().path("type").asText("BPE");
        if (!type.equals("BPE")) {
            throw j.unsupported("model", "BPE");
        }
        JsonNode dropout = j.node().get("dropout");
        if (dropout != null && !dropout.isNull() && dropout.asDouble() != 0) {
            throw j.error("dropout " + dropout + " is not supported (encoding would not be deterministic)");
        }
        Map<String, Integer> vocab = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = j.get("vocab").node().fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        int unk = -1;
        JsonNode unkToken = j.node().get("unk_token");
        if (unkToken != null && !unkToken.isNull()) {
            Integer id = vocab.get(unkToken.asText());
            if (id == null) {
                throw j.error("unk_token \"" + unkToken.asText() + "\" is not in the vocabulary");
            }
            unk = id;
        }
        BpeOptions opt = new BpeOptions(unk, j.bool("fuse_unk", false), j.bool("byte_fallback", false),
                j.bool("ignore_merges", false), j.node().path("continuing_subword_prefix").asText(""),
                j.node().path("end_of_word_suffix").asText(""));
        return new BpeModel(vocab, merges(j.get("merges"), vocab), opt);
    }

    /** Merges as "a b" strings or as ["a", "b"] pairs: {left id, right id, merged id} by rank. */
    private static int[][] merges(JsonPath j, Map<String, Integer> vocab) {
        int[][] out = new int[j.node().size()][];
        for (int r = 0; r < out.length; r++) {
            JsonNode m = j.node().get(r);
            String a;
            String b;
            if (m.isArray() && m.size() == 2) {
                a = m.get(0).asText();
                b = m.get(1).asText();
            } else {
                String[] parts = m.asText().split(" ", -1);
                if (!m.isTextual() || parts.length != 2) {
                    throw j.get(r).error("a merge must be \"a b\" or [\"a\", \"b\"], got " + m);
                }
                a = parts[0];
                b = parts[1];
            }
            out[r] = new int[] {id(vocab, a, j.get(r)), id(vocab, b, j.get(r)), id(vocab, a + b, j.get(r))};
        }
        return out;
    }

    private static int id(Map<String, Integer> vocab, String token, JsonPath where) {
        Integer id = vocab.get(token);
        if (id == null) {
            throw where.error("merge refers to \"" + token + "\", which is not in the vocabulary");
        }
        return id;
    }

    private static List<AddedToken> addedTokens(JsonPath j) {
        List<AddedToken> out = new ArrayList<>();
        for (int i = 0; i < j.node().size(); i++) {
            JsonPath t = j.get(i);
            out.add(new AddedToken(t.node().path("id").asInt(), t.text("content"), t.bool("single_word", false),
                    t.bool("lstrip", false), t.bool("rstrip", false), t.bool("normalized", true),
                    t.bool("special", false)));
        }
        return out;
    }
}
