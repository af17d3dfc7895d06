package dev.cohort.plugins.dashboard;

import dev.cohort.api.rollout.RolloutBatch;
import dev.cohort.api.training.TrainingMetrics;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What the dashboard shows, kept across its own updates in a directory (the bundle's data area):
 * every step's metrics of every run ({@code metrics.bin}, appended; compacted when opened) and the
 * rollout batches of the last {@code rolloutWindow} steps ({@code rollouts/<seq>.bin}, one file each,
 * the oldest deleted as new ones come). A step reported twice (a resumed run) keeps the newest.
 */
final class DashboardStore implements AutoCloseable {

    private final Path metricsFile;
    private final Path rolloutDir;
    private final Map<String, TreeMap<Long, TrainingMetrics>> metrics = new LinkedHashMap<>();
    private final Deque<Stored> window = new ArrayDeque<>();
    private int rolloutWindow;
    private long nextSeq;
    private DataOutputStream metricsOut;

    private record Stored(long seq, RolloutBatch batch) {
    }

    DashboardStore(Path directory, int rolloutWindow) throws IOException {
        this.metricsFile = directory.resolve("metrics.bin");
        this.rolloutDir = directory.resolve("rollouts");
        this.rolloutWindow = Math.max(1, rolloutWindow);
        Files.createDirectories(rolloutDir);
        loadMetrics();
        loadRollouts();
    }

    private void loadMetrics() throws IOException {
        if (Files.exists(metricsFile)) {
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(metricsFile)))) {
                while (true) {
                    TrainingMetrics m = readOrNull(in);
                    if (m == null) {
                        break;
                    }
                    put(m);
                }
            }
        }
        // Rewrite what was read: drops a torn last record and replaced steps before appending again.
        Path tmp = metricsFile.resolveSibling("metrics.bin.tmp");
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
            for (TreeMap<Long, TrainingMetrics> run : metrics.values()) {
                for (TrainingMetrics m : run.values()) {
                    RecordCodec.writeMetrics(out, m);
                }
            }
        }
        Files.move(tmp, metricsFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        metricsOut = new DataOutputStream(new BufferedOutputStream(
                Files.newOutputStream(metricsFile, StandardOpenOption.APPEND)));
    }

    private static TrainingMetrics readOrNull(DataInputStream in) {
        try {
            return RecordCodec.readMetrics(in);
        } catch (EOFException e) {
            return null;
        } catch (IOException | IllegalArgumentException e) {
            return null; // a damaged tail: keep what came before it
        }
    }

    private void loadRollouts() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(rolloutDir)) {
            files = s.filter(p -> p.getFileName().toString().matches("\\d+\\.bin")).sorted().toList();
        }
        for (Path f : files) {
            long seq = Long.parseLong(f.getFileName().toString().replace(".bin", ""));
            try (InputStream in = new BufferedInputStream(Files.newInputStream(f))) {
                window.addLast(new Stored(seq, RecordCodec.readBatch(new DataInputStream(in))));
            } catch (IOException | IllegalArgumentException e) {
                Files.deleteIfExists(f); // torn by a stop in the middle of writing it
            }
            nextSeq = Math.max(nextSeq, seq + 1);
        }
        trim();
    }

    synchronized void addMetrics(TrainingMetrics m) throws IOException {
        put(m);
        RecordCodec.writeMetrics(metricsOut, m);
        metricsOut.flush();
    }

    private void put(TrainingMetrics m) {
        metrics.computeIfAbsent(m.runId(), r -> new TreeMap<>()).put(m.step(), m);
    }

    synchronized void addRollouts(RolloutBatch batch) throws IOException {
        window.removeIf(s -> s.batch().runId().equals(batch.runId()) && s.batch().step() == batch.step()
                && delete(s));
        long seq = nextSeq++;
        Path file = rolloutDir.resolve(String.format("%012d.bin", seq));
        Path tmp = rolloutDir.resolve(String.format("%012d.tmp", seq));
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
            RecordCodec.writeBatch(out, batch);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        window.addLast(new Stored(seq, batch));
        trim();
    }

    /** Changes how many rollout batches are kept (the oldest go first). */
    synchronized void rolloutWindow(int steps) {
        this.rolloutWindow = Math.max(1, steps);
        trim();
    }

    private void trim() {
        while (window.size() > rolloutWindow) {
            delete(window.removeFirst());
        }
    }

    private boolean delete(Stored s) {
        try {
            Files.deleteIfExists(rolloutDir.resolve(String.format("%012d.bin", s.seq())));
        } catch (IOException e) {
            // it is gone from the window; a file left behind is dropped at the next load's trim
        }
        return true;
    }

    /** The ids of the runs with metrics, in the order they first reported. */
    synchronized List<String> runs() {
        return new ArrayList<>(metrics.keySet());
    }

    /** One run's metrics in step order (empty for an unknown run). */
    synchronized List<TrainingMetrics> metrics(String run) {
        TreeMap<Long, TrainingMetrics> m = metrics.get(run);
        return m == null ? List.of() : new ArrayList<>(m.values());
    }

    /** The rollout batches kept, oldest first. */
    synchronized List<RolloutBatch> rollouts() {
        return window.stream().map(Stored::batch).toList();
    }

    synchronized Optional<RolloutBatch> rollouts(String run, long step) {
        return window.stream().map(Stored::batch).filter(b -> b.runId().equals(run) && b.step() == step)
                .reduce((a, b) -> b);
    }

    @Override
    public synchronized void close() throws IOException {
        metricsOut.close();
    }
}
