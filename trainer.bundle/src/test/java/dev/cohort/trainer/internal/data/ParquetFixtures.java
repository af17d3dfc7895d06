package dev.cohort.trainer.internal.data;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The Parquet files written by {@code src/test/parquet/make_fixtures.py} (test resources). */
final class ParquetFixtures {

    private ParquetFixtures() {
    }

    static Path dir() {
        try {
            return Path.of(ParquetFixtures.class.getResource("/parquet").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path file(String name) {
        return dir().resolve(name + ".parquet");
    }

    /** Every fixture with expected rows (NAME.parquet beside NAME.json), by relative name. */
    static List<String> withExpectedRows() throws IOException {
        Path dir = dir();
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> p.toString().endsWith(".json"))
                    .map(p -> dir.relativize(p).toString().replace('\\', '/').replaceAll("\\.json$", ""))
                    .sorted().toList();
        }
    }
}
