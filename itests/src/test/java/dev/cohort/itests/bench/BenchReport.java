package dev.cohort.itests.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Summaries of measured durations, written to target/bench/ and printed. */
final class BenchReport {

    private BenchReport() {
    }

    static String summary(String what, long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return String.format("%s: n=%d median=%.1f ms p90=%.1f ms min=%.1f ms max=%.1f ms",
                what, s.length, ms(percentile(s, 50)), ms(percentile(s, 90)), ms(s[0]),
                ms(s[s.length - 1]));
    }

    static long percentile(long[] sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }

    static void write(String file, String text) {
        System.out.println(text);
        try {
            Path dir = Path.of(System.getProperty("cohort.bench.dir", "target/bench"));
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(file), text + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
