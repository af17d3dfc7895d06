package dev.cohort.trainer.internal.metrics;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;

/**
 * {@code <run dir>/metrics.jsonl}: one JSON object per logging step, appended and flushed line by
 * line, so that a run that dies keeps every line it logged. A metric line is
 * {@code {"step", "time", "epoch", "weights_version", <every metric>}}; a metric that the step's
 * window did not compute (NaN) is written as {@code null}. A resumed run appends to the same file
 * and first writes a marker line {@code {"event": "resumed", "step", "time", "checkpoint"}}: the
 * metric lines after it with a step up to any earlier line's replace those (the steps re-run from
 * the checkpoint). Lines that hold {@code "event"} are markers; the others are metrics.
 */
public final class MetricsFile implements Closeable {

    public static final String NAME = "metrics.jsonl";

    private final Path file;
    private final OutputStream out;
    private final JsonFactory json = new JsonFactory();

    /** Opens (creating or appending to) {@code runDir/metrics.jsonl}. */
    public MetricsFile(Path runDir) throws IOException {
        Files.createDirectories(runDir);
        this.file = runDir.resolve(NAME);
        this.out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE);
    }

    public Path file() {
        return file;
    }

    /** The marker of a resumed run, before its first step. */
    public void resumed(long fromStep, Path checkpoint, Instant time) {
        write(g -> {
            g.writeStringField("event", "resumed");
            g.writeNumberField("step", fromStep);
            g.writeStringField("time", time.toString());
            g.writeStringField("checkpoint", String.valueOf(checkpoint));
        });
    }

    /** The line of one logging step; {@code epoch} NaN when the run has none. */
    public void step(long step, Instant time, double epoch, long weightsVersion, Map<String, Double> metrics) {
        write(g -> {
            g.writeNumberField("step", step);
            g.writeStringField("time", time.toString());
            number(g, "epoch", epoch);
            g.writeNumberField("weights_version", weightsVersion);
            for (Map.Entry<String, Double> e : metrics.entrySet()) {
                number(g, e.getKey(), e.getValue() == null ? Double.NaN : e.getValue());
            }
        });
    }

    private interface Fields {
        void write(JsonGenerator g) throws IOException;
    }

    private void write(Fields fields) {
        ByteArrayOutputStream line = new ByteArrayOutputStream(512);
        try {
            try (JsonGenerator g = json.createGenerator(line)) {
                g.writeStartObject();
                fields.write(g);
                g.writeEndObject();
            }
            line.write('\n');
            synchronized (out) {
                out.write(line.toByteArray());
                out.flush();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot append a line: " + e.getMessage(), e);
        }
    }

    private static void number(JsonGenerator g, String key, double v) throws IOException {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            g.writeNullField(key);
        } else {
            g.writeNumberField(key, v);
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
