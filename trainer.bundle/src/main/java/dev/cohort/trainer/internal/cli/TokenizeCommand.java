package dev.cohort.trainer.internal.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cohort.trainer.internal.tokenizer.Tokenizer;
import dev.cohort.trainer.internal.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code cohort tokenize --model DIR --text TEXT [--add-special-tokens] [--json]}: the ids and
 * token strings of a text with the tokenizer of a model directory, as lines or as
 * {"ids": [...], "tokens": [...]}.
 */
public final class TokenizeCommand {

    static final String USAGE = "cohort tokenize --model DIR --text TEXT [--add-special-tokens] [--json]";

    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizeCommand() {
    }

    /** The output for the command's arguments (those after "tokenize"). */
    static String run(List<String> args) throws IOException {
        Path model = null;
        String text = null;
        boolean json = false;
        boolean special = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--json")) {
                json = true;
            } else if (a.equals("--add-special-tokens")) {
                special = true;
            } else if ((a.equals("--model") || a.equals("--text")) && i + 1 < args.size()) {
                if (a.equals("--model")) {
                    model = Path.of(args.get(++i));
                } else {
                    text = args.get(++i);
                }
            } else {
                throw new IllegalArgumentException("unexpected argument '" + a + "'; usage: " + USAGE);
            }
        }
        if (model == null || text == null) {
            throw new IllegalArgumentException("--model and --text are required; usage: " + USAGE);
        }
        Tokenizer tok = TokenizerFiles.read(model, vocabSize(model));
        int[] ids = tok.encode(text, special);
        return json ? json(tok, ids) : lines(tok, ids);
    }

    /** config.json's vocab_size, or no limit when the directory has no config.json. */
    private static int vocabSize(Path model) throws IOException {
        Path config = model.resolve("config.json");
        if (!Files.isRegularFile(config)) {
            return Integer.MAX_VALUE;
        }
        JsonNode v = JSON.readTree(config.toFile()).path("vocab_size");
        if (!v.canConvertToInt()) {
            throw new IllegalArgumentException(config + ": vocab_size: expected a number, got " + v);
        }
        return v.asInt();
    }

    private static String json(Tokenizer tok, int[] ids) throws IOException {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode idArray = out.putArray("ids");
        ArrayNode tokens = out.putArray("tokens");
        for (int id : ids) {
            idArray.add(id);
            tokens.add(tok.idToToken(id).orElse(null));
        }
        return JSON.writeValueAsString(out);
    }

    /** One line per token: the id, a tab, the token string as a JSON string (spaces and controls visible). */
    private static String lines(Tokenizer tok, int[] ids) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append(id).append('\t').append(JSON.writeValueAsString(tok.idToToken(id).orElse(null))).append('\n');
        }
        return sb.toString().stripTrailing();
    }
}
