package dev.cohort.plugins.trace.jsonl;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.cohort.api.rollout.RolloutBatch;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Appends batches to {@code <directory>/<run id>.jsonl}, one JSON object per sample
 * (docs/trace-format.md). Each batch is encoded completely before it is appended (so a batch
 * that cannot be encoded leaves nothing behind), and the file is opened in append mode for every
 * batch and closed after it: no handle outlives a call, and a new instance after a bundle
 * update simply continues the same file. A batch whose step is not after the last step already in
 * the file (a run resumed from an earlier checkpoint re-runs steps) has its lines marked
 * {@code "resumed": true}: the first lines of the re-run, which replace the earlier ones.
 */
final class TraceFile {

    private final Path directory;
    private final JsonFactory json = new JsonFactory();
    /** The last step written per run id by this instance (the file's last line otherwise). */
    private final Map<String, Long> lastStep = new ConcurrentHashMap<>();

    TraceFile(Path directory) {
        this.directory = directory;
    }

    Path directory() {
        return directory;
    }

    /** The file a run's samples go to; run ids are reduced to a safe file name. */
    Path fileFor(String runId) {
        String safe = runId.replaceAll("[^A-Za-z0-9._-]", "_");
        if (safe.isEmpty() || safe.startsWith(".")) {
            safe = "run" + safe;
        }
        return directory.resolve(safe + ".jsonl");
    }

    void append(RolloutBatch batch) {
        Path file = fileFor(batch.runId());
        try {
            Long last = lastStep.containsKey(batch.runId()) ? lastStep.get(batch.runId()) : LastStep.of(file);
            byte[] bytes = encode(batch, last != null && batch.step() <= last);
            Files.createDirectories(directory);
            Files.write(file, bytes, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE);
            lastStep.put(batch.runId(), batch.step());
        } catch (IOException e) {
            throw new UncheckedIOException("trace-jsonl cannot write step " + batch.step()
                    + " of run " + batch.runId() + " to " + file + ": " + describe(e), e);
        }
    }

    private static String describe(IOException e) {
        String type = e.getClass().getSimpleName();
        return e.getMessage() == null ? type : type + " " + e.getMessage();
    }

    byte[] encode(RolloutBatch batch) {
        return encode(batch, false);
    }

    /** The batch's lines; {@code resumed} marks each with {@code "resumed": true}. */
    byte[] encode(RolloutBatch batch, boolean resumed) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256 * batch.size());
        try (JsonGenerator g = json.createGenerator(out)) {
            g.setRootValueSeparator(null);
            String scoredAt = batch.scoredAt().toString();
            for (int i = 0; i < batch.size(); i++) {
                writeSample(g, batch, i, scoredAt, resumed);
                g.flush();
                out.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException("trace-jsonl cannot encode step " + batch.step(), e);
        }
        return out.toByteArray();
    }

    private static void writeSample(JsonGenerator g, RolloutBatch b, int i, String scoredAt,
            boolean resumed) throws IOException {
        g.writeStartObject();
        g.writeStringField("run_id", b.runId());
        g.writeNumberField("step", b.step());
        g.writeNumberField("sample", i);
        g.writeNumberField("group", i / b.groupSize());
        g.writeStringField("prompt", b.prompts().get(i));
        g.writeStringField("completion", b.completions().get(i));
        g.writeObjectFieldStart("rewards");
        for (String name : b.rewardNames()) {
            writeNumber(g, name, b.reward(name, i));
        }
        g.writeEndObject();
        writeNumber(g, "total_reward", b.totalReward(i));
        writeNumber(g, "advantage", b.advantage(i));
        g.writeNumberField("completion_tokens", b.completionTokens(i));
        g.writeBooleanField("truncated", b.truncated(i));
        g.writeStringField("scored_at", scoredAt);
        if (b.weightsVersion() >= 0) {
            g.writeNumberField("weights_version", b.weightsVersion(i));
        }
        if (resumed) {
            g.writeBooleanField("resumed", true);
        }
        g.writeEndObject();
    }

    /** NaN ("no reward") and infinities are written as null: JSON has no such numbers. */
    private static void writeNumber(JsonGenerator g, String field, double v) throws IOException {
        if (Double.isFinite(v)) {
            g.writeNumberField(field, v);
        } else {
            g.writeNullField(field);
        }
    }
}
