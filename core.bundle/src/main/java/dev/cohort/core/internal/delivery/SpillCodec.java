package dev.cohort.core.internal.delivery;

import dev.cohort.api.rollout.RolloutBatch;
import dev.cohort.api.training.TrainingMetrics;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** How an event is written to and read back from the spill directory, field for field. */
interface SpillCodec<E> {

    void write(E event, DataOutputStream out) throws IOException;

    E read(DataInputStream in) throws IOException;

    SpillCodec<RolloutBatch> ROLLOUTS = new SpillCodec<>() {
        @Override
        public void write(RolloutBatch b, DataOutputStream out) throws IOException {
            out.writeUTF(b.runId());
            out.writeLong(b.step());
            out.writeInt(b.groupSize());
            writeStrings(b.prompts(), out);
            writeStrings(b.completions(), out);
            out.writeInt(b.rewardNames().size());
            for (String name : b.rewardNames()) {
                out.writeUTF(name);
                writeDoubles(b.rewards(name), out);
            }
            writeDoubles(b.advantages(), out);
            writeDoubles(b.totalRewards(), out);
            writeInts(b.completionTokens(), out);
            List<int[]> ids = b.completionIds();
            out.writeInt(ids.size());
            for (int[] sample : ids) {
                writeInts(sample, out);
            }
            boolean[] truncated = b.truncated();
            for (boolean t : truncated) {
                out.writeBoolean(t);
            }
            writeInstant(b.scoredAt(), out);
            out.writeLong(b.weightsVersion());
        }

        @Override
        public RolloutBatch read(DataInputStream in) throws IOException {
            RolloutBatch.Builder b = RolloutBatch.builder().runId(in.readUTF()).step(in.readLong())
                    .groupSize(in.readInt());
            List<String> prompts = readStrings(in);
            b.prompts(prompts).completions(readStrings(in));
            int rewards = in.readInt();
            for (int i = 0; i < rewards; i++) {
                b.reward(in.readUTF(), readDoubles(in));
            }
            b.advantages(readDoubles(in)).totalRewards(readDoubles(in));
            int[] tokens = readInts(in);
            int withIds = in.readInt();
            List<int[]> ids = new ArrayList<>(withIds);
            for (int i = 0; i < withIds; i++) {
                ids.add(readInts(in));
            }
            boolean[] truncated = new boolean[prompts.size()];
            for (int i = 0; i < truncated.length; i++) {
                truncated[i] = in.readBoolean();
            }
            return b.completionTokens(tokens).completionIds(withIds == 0 ? null : ids).truncated(truncated)
                    .scoredAt(readInstant(in)).weightsVersion(in.readLong()).build();
        }
    };

    SpillCodec<TrainingMetrics> METRICS = new SpillCodec<>() {
        @Override
        public void write(TrainingMetrics m, DataOutputStream out) throws IOException {
            out.writeUTF(m.runId());
            out.writeLong(m.step());
            out.writeLong(m.maxSteps());
            out.writeInt(m.values().size());
            for (Map.Entry<String, Double> e : m.values().entrySet()) {
                out.writeUTF(e.getKey());
                out.writeDouble(e.getValue());
            }
            writeInstant(m.time(), out);
        }

        @Override
        public TrainingMetrics read(DataInputStream in) throws IOException {
            String run = in.readUTF();
            long step = in.readLong();
            long max = in.readLong();
            int n = in.readInt();
            Map<String, Double> values = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                values.put(in.readUTF(), in.readDouble());
            }
            return new TrainingMetrics(run, step, max, values, readInstant(in));
        }
    };

    /** Strings as UTF-8 with an int length: writeUTF is limited to 64 KiB. */
    private static void writeStrings(List<String> all, DataOutputStream out) throws IOException {
        out.writeInt(all.size());
        for (String s : all) {
            byte[] bytes = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            out.writeInt(bytes.length);
            out.write(bytes);
        }
    }

    private static List<String> readStrings(DataInputStream in) throws IOException {
        int n = in.readInt();
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] bytes = new byte[in.readInt()];
            in.readFully(bytes);
            out.add(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
        }
        return out;
    }

    private static void writeDoubles(double[] v, DataOutputStream out) throws IOException {
        out.writeInt(v.length);
        for (double d : v) {
            out.writeDouble(d);
        }
    }

    private static double[] readDoubles(DataInputStream in) throws IOException {
        double[] v = new double[in.readInt()];
        for (int i = 0; i < v.length; i++) {
            v[i] = in.readDouble();
        }
        return v;
    }

    private static void writeInts(int[] v, DataOutputStream out) throws IOException {
        out.writeInt(v.length);
        for (int x : v) {
            out.writeInt(x);
        }
    }

    private static int[] readInts(DataInputStream in) throws IOException {
        int[] v = new int[in.readInt()];
        for (int i = 0; i < v.length; i++) {
            v[i] = in.readInt();
        }
        return v;
    }

    private static void writeInstant(Instant t, DataOutputStream out) throws IOException {
        out.writeLong(t.getEpochSecond());
        out.writeInt(t.getNano());
    }

    private static Instant readInstant(DataInputStream in) throws IOException {
        return Instant.ofEpochSecond(in.readLong(), in.readInt());
    }
}
