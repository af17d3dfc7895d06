package dev.cohort.trainer.internal.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The weight-sync directories a run wrote for its remote engine ({@code weights-sync/v<version>},
 * a full checkpoint or, under LoRA, adapters), deleted once nothing can read them again: the
 * engine holds a newer version (a worker that comes back is brought to the newest) and, in the
 * pipelined asynchronous mode, the scorer has moved past them too. Without this a run wrote a
 * copy of the model per step and kept them all. LoRA's base directory is not a version and stays.
 * Versions left by an earlier process of the same run (stopped, then resumed) go at the first
 * version this one writes.
 * Thread-safe: the producer registers versions, the scorer reads them.
 */
final class SyncDirectories {

    private final TreeMap<Long, Path> dirs = new TreeMap<>();
    private final boolean scorerReads;
    private long engineVersion = Long.MIN_VALUE;
    private long scorerVersion = Long.MIN_VALUE;

    /** {@code scorerReads}: a scorer loads versions from these directories (pipelined async). */
    SyncDirectories(boolean scorerReads) {
        this.scorerReads = scorerReads;
    }

    /** The engine loaded {@code version} from {@code dir}. */
    synchronized void loaded(long version, Path dir) {
        if (dirs.isEmpty() && engineVersion == Long.MIN_VALUE) {
            leftovers(dir);
        }
        dirs.put(version, dir);
        engineVersion = Math.max(engineVersion, version);
        prune();
    }

    synchronized boolean has(long version) {
        return dirs.containsKey(version);
    }

    /** The directory of {@code version}; it must have been loaded and not pruned. */
    synchronized Path dir(long version) {
        Path d = dirs.get(version);
        if (d == null) {
            throw new IllegalStateException("no weight-sync directory of version " + version + " (kept: "
                    + dirs.keySet() + ")");
        }
        return d;
    }

    /** The scorer holds {@code version} now and will not ask for an older one. */
    synchronized void scored(long version) {
        scorerVersion = Math.max(scorerVersion, version);
        prune();
    }

    private void prune() {
        long keepFrom = scorerReads ? Math.min(engineVersion, scorerVersion) : engineVersion;
        Map<Long, Path> old = dirs.headMap(keepFrom, false);
        for (Path d : old.values()) {
            deleteTree(d);
        }
        old.clear();
    }

    /**
     * The first version of this trainer: version directories beside it were written by an earlier
     * process of the run (one stopped and resumed), which no worker will read again.
     */
    private static void leftovers(Path first) {
        Path root = first.getParent();
        if (root == null || !Files.isDirectory(root)) {
            return;
        }
        try (Stream<Path> s = Files.list(root)) {
            for (Path d : (Iterable<Path>) s::iterator) {
                String name = d.getFileName().toString();
                if (!d.equals(first) && name.matches("v\\d+") && Files.isDirectory(d)) {
                    deleteTree(d);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not list the weight-sync directory " + root + ": " + e.getMessage(), e);
        }
    }

    private static void deleteTree(Path dir) {
        try {
            TrainerState.deleteTree(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete the old weight-sync directory " + dir + ": "
                    + e.getMessage(), e);
        }
    }
}
