package dev.cohort.trainer.internal.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * The character tokenizer as a Hugging Face tokenizer.json: a BPE model without merges (each
 * character is its own token, ids in alphabet order), no normalizer or pre-tokenizer, EOS as a
 * special added token after the alphabet, and a Fuse decoder. Hugging Face's library reads it and
 * gives the same ids; unlike {@link CharTokenizer} it drops characters outside the alphabet.
 */
final class CharTokenizerJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private CharTokenizerJson() {
    }

    static ObjectNode tokenizerJson(CharTokenizer t) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ObjectNode eos = root.putArray("added_tokens").addObject();
        eos.put("id", t.eos());
        eos.put("content", CharTokenizer.EOS_TOKEN);
        eos.put("single_word", false);
        eos.put("lstrip", false);
        eos.put("rstrip", false);
        eos.put("normalized", false);
        eos.put("special", true);
        root.putNull("normalizer");
        root.putNull("pre_tokenizer");
        root.putNull("post_processor");
        root.putObject("decoder").put("type", "Fuse");
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        int[] cps = t.alphabet().codePoints().toArray();
        for (int i = 0; i < cps.length; i++) {
            vocab.put(new String(Character.toChars(cps[i])), i);
        }
        model.putArray("merges");
        return root;
    }

    /** tokenizer_config.json, so that transformers' AutoTokenizer knows EOS. */
    static ObjectNode tokenizerConfig() {
        ObjectNode c = JSON.createObjectNode();
        c.put("tokenizer_class", "PreTrainedTokenizerFast");
        c.put("eos_token", CharTokenizer.EOS_TOKEN);
        c.put("clean_up_tokenization_spaces", false);
        return c;
    }

    /** The character tokenizer, if {@code root} is exactly what {@link #tokenizerJson} writes for some alphabet. */
    static Optional<CharTokenizer> recognise(JsonNode root) {
        JsonNode vocab = root.path("model").path("vocab");
        if (!vocab.isObject() || vocab.size() == 0 || !root.path("model").path("merges").isArray()
                || root.path("model").path("merges").size() != 0) {
            return Optional.empty();
        }
        String[] chars = new String[vocab.size()];
        var it = vocab.fields();
        while (it.hasNext()) {
            var e = it.next();
            int id = e.getValue().asInt(-1);
            if (id < 0 || id >= chars.length || chars[id] != null || e.getKey().codePointCount(0, e.getKey().length()) != 1) {
                return Optional.empty();
            }
            chars[id] = e.getKey();
        }
        CharTokenizer t = new CharTokenizer(String.join("", chars));
        return tokenizerJson(t).equals(root) ? Optional.of(t) : Optional.empty();
    }
}
