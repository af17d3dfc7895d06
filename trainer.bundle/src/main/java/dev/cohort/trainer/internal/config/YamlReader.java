package dev.cohort.trainer.internal.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.cohort.trainer.internal.config.YamlNode.Entry;
import dev.cohort.trainer.internal.config.YamlNode.Mapping;
import dev.cohort.trainer.internal.config.YamlNode.Scalar;
import dev.cohort.trainer.internal.config.YamlNode.Sequence;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads one YAML document with Jackson's streaming parser into {@link YamlNode}s that remember
 * their lines. Reports duplicate keys, aliases, a top level that is not a mapping, an empty file,
 * more than one document, and malformed YAML.
 */
final class YamlReader {

    private final JsonParser parser;
    private final Problems problems;

    private YamlReader(JsonParser parser, Problems problems) {
        this.parser = parser;
        this.problems = problems;
    }

    /**
     * The top-level mapping, or null when there is none to interpret: the file is empty, is not a
     * mapping, or is not valid YAML (each reported).
     */
    static Mapping read(String yaml, Problems problems) {
        try (JsonParser parser = new YAMLFactory().createParser(yaml)) {
            return new YamlReader(parser, problems).document();
        } catch (JsonProcessingException e) {
            reportMalformed(e, problems);
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("reading YAML from a string", e); // cannot happen
        }
    }

    private Mapping document() throws IOException {
        JsonToken first = parser.nextToken();
        if (first == null || first == JsonToken.VALUE_NULL) {
            problems.file(0, "empty configuration");
            return null;
        }
        YamlNode top = value("");
        if (!(top instanceof Mapping mapping)) {
            problems.file(top.line(), "the top level must be a mapping of keys to values, got "
                    + top.describe());
            return null;
        }
        int end = line(); // where the mapping ends: at the "---" of a second document
        if (parser.nextToken() != null) {
            problems.file(end, "a second YAML document; a configuration file holds one");
            return null;
        }
        return mapping;
    }

    /** The value that starts at the current token; {@code path} names it in messages. */
    private YamlNode value(String path) throws IOException {
        int line = line();
        JsonToken token = parser.currentToken();
        return switch (token) {
            case START_OBJECT -> mapping(path, line);
            case START_ARRAY -> sequence(path, line);
            case VALUE_STRING -> string(path, line);
            case VALUE_NUMBER_INT -> new Scalar(integer(), parser.getText(), line);
            case VALUE_NUMBER_FLOAT -> new Scalar(floating(), parser.getText(), line);
            case VALUE_TRUE, VALUE_FALSE ->
                    new Scalar(token == JsonToken.VALUE_TRUE, parser.getText(), line);
            case VALUE_NULL -> new Scalar(null, parser.getText(), line);
            default -> new Scalar(parser.getText(), parser.getText(), line);
        };
    }

    private Mapping mapping(String path, int line) throws IOException {
        Map<String, Entry> entries = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            int keyLine = line();
            String keyPath = path.isEmpty() ? key : path + "." + key;
            parser.nextToken();
            YamlNode node = value(keyPath);
            Entry first = entries.get(key);
            if (first != null) {
                problems.at(keyLine, keyPath, "given twice (first on line " + first.line() + ")");
            } else {
                entries.put(key, new Entry(key, keyLine, node));
            }
        }
        return new Mapping(entries, line);
    }

    private Sequence sequence(String path, int line) throws IOException {
        List<YamlNode> items = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            items.add(value(path + "[" + items.size() + "]"));
        }
        return new Sequence(items, line);
    }

    /** A string scalar; an alias ({@code *name}) cannot be resolved by the streaming parser. */
    private Scalar string(String path, int line) throws IOException {
        if (parser instanceof YAMLParser yaml && yaml.isCurrentAlias()) {
            problems.at(line, path.isEmpty() ? "top level" : path,
                    "YAML aliases are not supported, got *" + parser.getText());
            return new Scalar(null, "*" + parser.getText(), line);
        }
        return new Scalar(parser.getText(), parser.getText(), line);
    }

    /** A Long, or a BigInteger when the integer does not fit in 64 bits. */
    private Object integer() throws IOException {
        BigInteger value = parser.getBigIntegerValue();
        return value.bitLength() < 64 ? (Object) value.longValue() : value;
    }

    /** A Double; YAML's {@code .inf} and {@code .nan}, which Jackson does not parse, included. */
    private Object floating() throws IOException {
        String text = parser.getText();
        try {
            return parser.getDoubleValue();
        } catch (JsonProcessingException e) {
            String t = text.toLowerCase(Locale.ROOT);
            if (t.equals(".nan")) {
                return Double.NaN;
            }
            if (t.endsWith(".inf")) {
                return t.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
            }
            return text;
        }
    }

    private int line() {
        return parser.currentTokenLocation().getLineNr();
    }

    /** SnakeYAML's problem and line where there is one; otherwise Jackson's first line. */
    private static void reportMalformed(JsonProcessingException e, Problems problems) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof MarkedYAMLException m && m.getProblemMark() != null) {
                problems.file(m.getProblemMark().getLine() + 1, "not valid YAML: " + describe(m));
                return;
            }
        }
        String message = e.getOriginalMessage().lines().findFirst().orElse("").strip();
        int line = e.getLocation() == null ? 0 : Math.max(0, e.getLocation().getLineNr());
        problems.file(line, "not valid YAML: " + message);
    }

    private static String describe(MarkedYAMLException m) {
        String problem = m.getProblem() == null ? "" : m.getProblem();
        problem = problem.replaceAll("\\s+", " ").strip();
        if (m.getContext() == null) {
            return problem;
        }
        String context = m.getContext().strip();
        if (m.getContextMark() != null
                && m.getContextMark().getLine() != m.getProblemMark().getLine()) {
            context += " that starts on line " + (m.getContextMark().getLine() + 1);
        }
        return problem + " (" + context + ")";
    }
}
