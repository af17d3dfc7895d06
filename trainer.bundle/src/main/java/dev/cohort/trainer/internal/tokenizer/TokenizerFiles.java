package dev.cohort.trainer.internal.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cohort.trainer.internal.tokenizer.hf.HfTokenizer;
import dev.cohort.trainer.internal.tokenizer.hf.TokenizerJson;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * The tokenizer of a checkpoint directory. Reads a Hugging Face {@code tokenizer.json} (with EOS
 * from tokenizer_config.json), or the stub files older Cohort versions wrote ({"type": "char",
 * "alphabet": ...} or {"type": "gpt2"}); without the file, GPT-2's BPE for a 50257-token
 * vocabulary. Writes real Hugging Face files: the source model's own files unchanged, or for the
 * built-in tokenizers a tokenizer.json that Hugging Face's library reads to the same ids.
 */
public final class TokenizerFiles {

    public static final String FILE = "tokenizer.json";
    public static final String CONFIG = "tokenizer_config.json";

    /** Files of a Hugging Face tokenizer that travel with it from the source model to checkpoints. */
    static final List<String> COMPANIONS = List.of(FILE, CONFIG, "special_tokens_map.json", "added_tokens.json",
            "chat_template.jinja", "chat_template.json", "vocab.json", "merges.txt", "tokenizer.model");

    /** Tried in this order when tokenizer_config.json names no EOS. */
    static final List<String> EOS_CANDIDATES = List.of("<|endoftext|>", "</s>", "<|end_of_text|>", "<|im_end|>",
            "<|eot_id|>", "<eos>");

    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerFiles() {
    }

    /** The tokenizer in {@code checkpointDir}; it may produce fewer ids than the model's {@code vocabSize}. */
    public static Tokenizer read(Path checkpointDir, int vocabSize) throws IOException {
        Path f = checkpointDir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            return Tokenizer.forVocabulary(vocabSize);
        }
        byte[] bytes = Files.readAllBytes(f);
        JsonNode n = JSON.readTree(bytes);
        if (n.has("type") && !n.has("model")) {
            return legacy(f, n, vocabSize);
        }
        Tokenizer t = CharTokenizerJson.recognise(n).map(c -> (Tokenizer) c).orElse(null);
        if (t == null) {
            try {
                HfTokenizer hf = TokenizerJson.read(bytes, f.toString(), -1).withFiles(companions(checkpointDir));
                t = hf.withEos(eos(checkpointDir, hf));
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage(), e);
            }
        }
        if (t.vocabSize() > vocabSize) {
            throw new IOException(f + ": the tokenizer's " + t.vocabSize()
                    + " token ids do not fit the model's vocab_size " + vocabSize);
        }
        return t;
    }

    private static Tokenizer legacy(Path f, JsonNode n, int vocabSize) throws IOException {
        String type = n.path("type").asText("");
        Tokenizer t;
        if (type.equals("char")) {
            t = new CharTokenizer(n.path("alphabet").asText());
        } else if (type.equals("gpt2")) {
            t = new Gpt2Tokenizer();
        } else {
            throw new IOException(f + ": type must be \"char\" or \"gpt2\", got \"" + type + "\"");
        }
        if (t.vocabSize() != vocabSize) {
            throw new IOException(f + ": a " + type + " tokenizer of " + t.vocabSize()
                    + " tokens does not fit the model's vocab_size " + vocabSize);
        }
        return t;
    }

    private static Map<String, byte[]> companions(Path dir) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String name : COMPANIONS) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                files.put(name, Files.readAllBytes(p));
            }
        }
        return files;
    }

    /** tokenizer_config.json's {@code eos_token} (a string or {"content": ...}), else a well-known name. */
    private static int eos(Path dir, HfTokenizer t) throws IOException {
        Path config = dir.resolve(CONFIG);
        if (Files.isRegularFile(config)) {
            JsonNode e = JSON.readTree(config.toFile()).path("eos_token");
            String name = e.isObject() ? e.path("content").asText(null) : e.isTextual() ? e.asText() : null;
            if (name != null) {
                return t.tokenToId(name).orElseThrow(() -> new IOException(config + ": eos_token \"" + name
                        + "\" is not a token of " + dir.resolve(FILE)));
            }
        }
        for (String name : EOS_CANDIDATES) {
            if (t.tokenToId(name).isPresent()) {
                return t.tokenToId(name).getAsInt();
            }
        }
        throw new IOException(dir + ": no EOS token: " + CONFIG + " names no eos_token and " + FILE
                + " has none of " + EOS_CANDIDATES);
    }

    /** Writes tokenizer.json and tokenizer_config.json (and the source model's other tokenizer files). */
    public static void write(Path checkpointDir, Tokenizer t) throws IOException {
        for (Map.Entry<String, byte[]> e : files(t).entrySet()) {
            Files.write(checkpointDir.resolve(e.getKey()), e.getValue());
        }
    }

    static Map<String, byte[]> files(Tokenizer t) throws IOException {
        if (t instanceof HfTokenizer && !((HfTokenizer) t).files().isEmpty()) {
            return ((HfTokenizer) t).files();
        }
        if (t instanceof CharTokenizer) {
            CharTokenizer c = (CharTokenizer) t;
            return Map.of(FILE, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(CharTokenizerJson.tokenizerJson(c)),
                    CONFIG, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(CharTokenizerJson.tokenizerConfig()));
        }
        if (t instanceof Gpt2Tokenizer) {
            return Map.of(FILE, gpt2Resource("gpt2.tokenizer.json.gz"), CONFIG, gpt2Resource("gpt2.tokenizer_config.json"));
        }
        throw new IllegalArgumentException("cannot write the files of tokenizer " + t.name()
                + ": it was not read from a tokenizer.json");
    }

    /** GPT-2's own tokenizer files (MIT licence), carried in the bundle. */
    private static byte[] gpt2Resource(String name) throws IOException {
        try (InputStream in = TokenizerFiles.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("the bundle lacks its resource " + name);
            }
            return (name.endsWith(".gz") ? new GZIPInputStream(in) : in).readAllBytes();
        }
    }
}
