package dev.cohort.trainer.internal.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The files a {@code dataset} value names: one JSON-lines or Parquet file; a glob of Parquet
 * shards ({@code data/main/train-*.parquet}); or a directory laid out as Hugging Face datasets
 * are, whose shards of one split are {@code <split>-00000-of-00002.parquet}, {@code <split>.parquet}
 * or any Parquet file under a {@code <split>/} folder, at any depth. Files come in name order.
 */
final class DatasetFiles {

    private static final Pattern GLOB = Pattern.compile("[*?\\[{]");

    private DatasetFiles() {
    }

    static List<Path> resolve(String dataset, String split) throws IOException {
        if (GLOB.matcher(dataset).find()) {
            return glob(dataset);
        }
        Path p = Path.of(dataset);
        if (Files.isDirectory(p)) {
            return split(p, split);
        }
        if (!Files.isRegularFile(p)) {
            throw new DatasetException(dataset + ": no such file or directory");
        }
        return List.of(p);
    }

    /** Whether {@code file} is Parquet: by its name, else by its first four bytes. */
    static boolean isParquet(Path file) throws IOException {
        String name = file.getFileName().toString();
        if (name.endsWith(".parquet")) {
            return true;
        }
        if (name.endsWith(".jsonl") || name.endsWith(".json")) {
            return false;
        }
        try (InputStream in = Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(4), new byte[] {'P', 'A', 'R', '1'});
        }
    }

    private static List<Path> glob(String pattern) throws IOException {
        Path p = Path.of(pattern);
        Path base = p.getRoot();
        for (Path part : p) {
            if (GLOB.matcher(part.toString()).find()) {
                break;
            }
            base = base == null ? part : base.resolve(part);
        }
        Path dir = base == null ? Path.of(".") : base;
        PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + p);
        List<Path> files = walk(dir).filter(f -> m.matches(f)).toList();
        if (files.isEmpty()) {
            throw new DatasetException(pattern + ": no file matches");
        }
        return files;
    }

    private static List<Path> split(Path dir, String split) throws IOException {
        List<Path> parquet = walk(dir).filter(f -> f.getFileName().toString().endsWith(".parquet")).toList();
        List<Path> files = parquet.stream().filter(f -> inSplit(dir.relativize(f), split)).toList();
        if (files.isEmpty()) {
            throw new DatasetException(dir + ": no Parquet shard of split '" + split + "' (" + split
                    + "-*.parquet, " + split + ".parquet or " + split + "/*.parquet); "
                    + (parquet.isEmpty() ? "no Parquet files there" : "found " + names(dir, parquet)));
        }
        return files;
    }

    private static boolean inSplit(Path relative, String split) {
        String name = relative.getFileName().toString();
        if (name.equals(split + ".parquet") || name.startsWith(split + "-")) {
            return true;
        }
        for (Path part : relative) {
            if (part.toString().equals(split)) {
                return true;
            }
        }
        return false;
    }

    private static String names(Path dir, List<Path> files) {
        List<String> n = files.stream().limit(5).map(f -> dir.relativize(f).toString()).toList();
        return String.join(", ", n) + (files.size() > 5 ? ", ..." : "");
    }

    private static Stream<Path> walk(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList().stream();
        }
    }
}
