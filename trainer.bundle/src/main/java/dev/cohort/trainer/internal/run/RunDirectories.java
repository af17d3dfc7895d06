package dev.cohort.trainer.internal.run;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Where runs write, checked before step 0. A new run gets a directory of its own under
 * {@code output_dir}: {@code <run_name>}, or {@code <run_name>-2}, {@code -3}, ... when that name is
 * taken (its directory or its trace file exists, or a run of this runtime has it), so a second
 * run never overwrites the checkpoints or appends to the trace of the first. A resumed run keeps
 * its id and directory. Directories are created (and so reserved) atomically.
 */
final class RunDirectories {

    /** A run's id and directory; {@code note} says why the id is not the name asked for (or null). */
    record Allocated(String id, Path dir, String note) {
    }

    private final Set<String> handedOut = new HashSet<>();

    /**
     * Creates {@code dir} when missing and writes and deletes a probe file in it.
     *
     * @param what names the setting in the error, such as {@code "run.yaml: output_dir"}
     * @throws IllegalArgumentException saying which setting names a directory that cannot be written
     */
    static void checkWritable(Path dir, String what) {
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".cohort-write-check", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new IllegalArgumentException(what + ": " + dir + " is not writable (" + reason(e)
                    + "); nothing was trained");
        }
    }

    /**
     * The id and directory of a run named {@code name} under {@code outputDir}; {@code resumed}
     * keeps the name and an existing directory. {@code traceDir} (null for none) holds the trace
     * files whose names are taken too.
     */
    synchronized Allocated allocate(Path outputDir, String name, boolean resumed, Path traceDir) throws IOException {
        Files.createDirectories(outputDir);
        if (resumed) {
            Path dir = outputDir.resolve(name);
            Files.createDirectories(dir);
            handedOut.add(name);
            return new Allocated(name, dir, null);
        }
        for (int n = 1;; n++) {
            String id = n == 1 ? name : name + "-" + n;
            if (handedOut.contains(id) || traceDir != null && Files.exists(traceFile(traceDir, id))) {
                continue;
            }
            Path dir = outputDir.resolve(id);
            try {
                Files.createDirectory(dir);
            } catch (FileAlreadyExistsException e) {
                continue;
            }
            handedOut.add(id);
            String note = n == 1 ? null : "run_name '" + name + "' is taken (" + outputDir.resolve(name)
                    + " or its trace exists); this run is '" + id + "' in " + dir;
            return new Allocated(id, dir, note);
        }
    }

    /** The trace-jsonl file of a run id (the plugin's naming: unsafe characters become '_'). */
    static Path traceFile(Path traceDir, String runId) {
        return traceDir.resolve(runId.replaceAll("[^A-Za-z0-9._-]", "_") + ".jsonl");
    }

    private static String reason(Exception e) {
        String type = e.getClass().getSimpleName();
        return e.getMessage() == null ? type : type + ": " + e.getMessage();
    }
}
