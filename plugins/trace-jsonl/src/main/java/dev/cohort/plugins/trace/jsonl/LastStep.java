package dev.cohort.plugins.trace.jsonl;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The step of a trace file's last line, read from the end of the file. */
final class LastStep {

    /** The first {@code "step":} of a line is the field (run_id's quotes are escaped). */
    private static final Pattern STEP = Pattern.compile("\"step\":(\\d+)");
    private static final int CHUNK = 64 * 1024;

    private LastStep() {
    }

    /** The step of the last line of {@code file}; null when the file is missing, empty or has no step. */
    static Long of(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long end = f.length();
            while (end > 0) {
                f.seek(end - 1);
                if (f.read() != '\n') {
                    break;
                }
                end--;
            }
            for (int size = CHUNK;; size *= 2) {
                long from = Math.max(0, end - size);
                byte[] buf = new byte[(int) (end - from)];
                f.seek(from);
                f.readFully(buf);
                String tail = new String(buf, StandardCharsets.UTF_8);
                int nl = tail.lastIndexOf('\n');
                if (nl >= 0 || from == 0) {
                    Matcher m = STEP.matcher(tail.substring(nl + 1));
                    return m.find() ? Long.parseLong(m.group(1)) : null;
                }
            }
        }
    }
}
