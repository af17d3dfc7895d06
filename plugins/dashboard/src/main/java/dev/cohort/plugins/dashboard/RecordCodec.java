package dev.cohort.plugins.dashboard;

import dev.cohort.api.rollout.RolloutBatch;
import dev.cohort.api.training.TrainingMetrics;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Binary records of metrics and rollout batches for the dashboard's data area: exact (doubles as
 * their bits), self-delimiting (a torn last record reads as the end of the file), with strings of
 * any length (unlike {@code writeUTF}'s 64 KiB).
 */
final class RecordCodec {

    private static final int METRICS_MAGIC = 0x43444d31; // "CDM1"
    private static final int BATCH_MAGIC = 0x43444231;   // "CDB1"

    private RecordCodec() {
    }

    static void writeMetrics(DataOutput out, TrainingMetrics m) throws IOException {
        out.writeInt(METRICS_MAGIC);
        writeString(out, m.runId());
        out.writeLong(m.step());
        out.writeLong(m.maxSteps());
        out.writeLong(m.time().toEpochMilli());
        out.writeInt(m.values().size());
        for (Map.Entry<String, Double> e : m.values().entrySet()) {
            writeString(out, e.getKey());
            out.writeDouble(e.getValue() == null ? Double.NaN : e.getValue());
        }
    }

    static TrainingMetrics readMetrics(DataInput in) throws IOException {
        expect(in, METRICS_MAGIC, "metrics");
        String run = readString(in);
        long step = in.readLong();
        long max = in.readLong();
        Instant time = Instant.ofEpochMilli(in.readLong());
        int n = in.readInt();
        Map<String, Double> values = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            values.put(readString(in), in.readDouble());
        }
        return new TrainingMetrics(run, step, max, values, time);
    }

    static void writeBatch(DataOutput out, RolloutBatch b) throws IOException {
        out.writeInt(BATCH_MAGIC);
        writeString(out, b.runId());
        out.writeLong(b.step());
        out.writeInt(b.groupSize());
        out.writeLong(b.scoredAt().toEpochMilli());
        int n = b.size();
        out.writeInt(n);
        for (int i = 0; i < n; i++) {
            writeString(out, b.prompts().get(i));
            writeString(out, b.completions().get(i));
            out.writeDouble(b.advantage(i));
            out.writeDouble(b.totalReward(i));
            out.writeInt(b.completionTokens(i));
            out.writeBoolean(b.truncated(i));
        }
        out.writeInt(b.rewardNames().size());
        for (String f : b.rewardNames()) {
            writeString(out, f);
            for (double v : b.rewards(f)) {
                out.writeDouble(v);
            }
        }
    }

    static RolloutBatch readBatch(DataInput in) throws IOException {
        expect(in, BATCH_MAGIC, "rollout batch");
        RolloutBatch.Builder b = RolloutBatch.builder().runId(readString(in)).step(in.readLong())
                .groupSize(in.readInt()).scoredAt(Instant.ofEpochMilli(in.readLong()));
        int n = in.readInt();
        List<String> prompts = new ArrayList<>(n);
        List<String> completions = new ArrayList<>(n);
        double[] advantages = new double[n];
        double[] totals = new double[n];
        int[] tokens = new int[n];
        boolean[] truncated = new boolean[n];
        for (int i = 0; i < n; i++) {
            prompts.add(readString(in));
            completions.add(readString(in));
            advantages[i] = in.readDouble();
            totals[i] = in.readDouble();
            tokens[i] = in.readInt();
            truncated[i] = in.readBoolean();
        }
        int functions = in.readInt();
        for (int k = 0; k < functions; k++) {
            String name = readString(in);
            double[] values = new double[n];
            for (int i = 0; i < n; i++) {
                values[i] = in.readDouble();
            }
            b.reward(name, values);
        }
        return b.prompts(prompts).completions(completions).advantages(advantages).totalRewards(totals)
                .completionTokens(tokens).truncated(truncated).build();
    }

    private static void expect(DataInput in, int magic, String what) throws IOException {
        int got = in.readInt();
        if (got != magic) {
            throw new IOException("not a " + what + " record: header 0x" + Integer.toHexString(got));
        }
    }

    private static void writeString(DataOutput out, String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readString(DataInput in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > (1 << 28)) {
            throw new IOException("string length " + n + " out of range");
        }
        byte[] bytes = new byte[n];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
