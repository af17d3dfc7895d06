package dev.cohort.trainer.internal.chat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Where a model directory keeps its chat templates and special tokens, as transformers reads them. */
final class TemplateFiles {

    static final String TEMPLATE_FILE = "chat_template.jinja";
    static final String TEMPLATE_DIR = "additional_chat_templates";

    private TemplateFiles() {
    }

    /** Templates by name; the unnamed or file template is "default". */
    static Map<String, String> templates(Path dir, Map<String, Object> config) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        Path file = dir.resolve(TEMPLATE_FILE);
        if (Files.isRegularFile(file)) {
            out.put("default", Files.readString(file, StandardCharsets.UTF_8));
        }
        Path extra = dir.resolve(TEMPLATE_DIR);
        if (Files.isDirectory(extra)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(extra, "*.jinja")) {
                for (Path p : files) {
                    String n = p.getFileName().toString();
                    out.put(n.substring(0, n.length() - ".jinja".length()), Files.readString(p, StandardCharsets.UTF_8));
                }
            }
        }
        if (!out.isEmpty()) {
            return out;
        }
        Object t = config.get("chat_template");
        if (t instanceof String) {
            out.put("default", (String) t);
        } else if (t instanceof List) {
            for (Object o : (List<?>) t) {
                if (!(o instanceof Map) || !(((Map<?, ?>) o).get("name") instanceof String)
                        || !(((Map<?, ?>) o).get("template") instanceof String)) {
                    throw new IOException(dir.resolve("tokenizer_config.json")
                            + ": chat_template list entries must be {\"name\": ..., \"template\": ...}, got " + o);
                }
                out.put((String) ((Map<?, ?>) o).get("name"), (String) ((Map<?, ?>) o).get("template"));
            }
        } else if (t != null) {
            throw new IOException(dir.resolve("tokenizer_config.json")
                    + ": chat_template must be a string or a list, got " + t.getClass().getSimpleName());
        }
        return out;
    }

    static String originOf(Path dir, String name) {
        if (Files.isRegularFile(dir.resolve(TEMPLATE_FILE)) && name.equals("default")) {
            return TEMPLATE_FILE;
        }
        if (Files.isRegularFile(dir.resolve(TEMPLATE_DIR).resolve(name + ".jinja"))) {
            return TEMPLATE_DIR + "/" + name + ".jinja";
        }
        return "tokenizer_config.json[chat_template" + (name.equals("default") ? "" : ":" + name) + "]";
    }

    /** The special tokens that are set, each a string or an AddedToken object's content. */
    static Map<String, String> specialTokens(Map<String, Object> config, Path file, List<String> names)
            throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String n : names) {
            Object v = config.get(n);
            if (v instanceof Map) {
                v = ((Map<?, ?>) v).get("content");
            }
            if (v instanceof String) {
                out.put(n, (String) v);
            } else if (v != null) {
                throw new IOException(file + ": " + n + " must be a string or an object with \"content\", got " + v);
            }
        }
        return out;
    }
}
