package dev.cohort.trainer.internal.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The tokenizer of a checkpoint directory: {@code tokenizer.json} with {"type": "char",
 * "alphabet": ...} or {"type": "gpt2"} beside config.json; without the file, GPT-2's BPE for a
 * 50257-token vocabulary.
 */
public final class TokenizerFiles {

    public static final String FILE = "tokenizer.json";

    private TokenizerFiles() {
    }

    public static Tokenizer read(Path checkpointDir, int vocabSize) throws IOException {
        Path f = checkpointDir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            return Tokenizer.forVocabulary(vocabSize);
        }
        JsonNode n = new ObjectMapper().readTree(f.toFile());
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

    public static void write(Path checkpointDir, Tokenizer t) throws IOException {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("type", t.name());
        if (t instanceof CharTokenizer) {
            n.put("alphabet", ((CharTokenizer) t).alphabet());
        }
        Files.writeString(checkpointDir.resolve(FILE), n.toPrettyString());
    }
}
