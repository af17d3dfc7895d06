package dev.cohort.trainer.internal.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Every fixture read row by row against the rows pyarrow read back from it (the .json files). */
class ParquetReaderTest {

    static List<String> fixtures() throws IOException {
        return ParquetFixtures.withExpectedRows();
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void rowsEqualPyarrows(String name) throws IOException {
        JsonNode expected = new ObjectMapper().readTree(Files.readString(ParquetFixtures.dir().resolve(name + ".json")))
                .get("rows");
        List<Map<String, Object>> rows = ParquetReader.readRows(ParquetFixtures.file(name));
        assertEquals(expected.size(), rows.size(), name + ": rows");
        for (int i = 0; i < rows.size(); i++) {
            same(expected.get(i), rows.get(i), name + " row " + i);
        }
    }

    @Test
    void theMatrixCoversEveryCodecPageVersionAndEncoding() throws IOException {
        List<String> names = fixtures();
        for (String codec : List.of("none", "snappy", "zstd", "gzip")) {
            for (String page : List.of("v1", "v2")) {
                for (String enc : List.of("dict", "plain")) {
                    assertTrue(names.contains("mixed-" + codec + "-" + page + "-" + enc), codec + page + enc);
                }
            }
        }
        assertTrue(names.size() >= 24, names.toString());
    }

    @Test
    void rowIndicesCountOverRowGroups() throws IOException {
        long[] last = {-1};
        ParquetReader.forEachRow(ParquetFixtures.file("mixed-zstd-v2-dict"), (index, row) -> {
            assertEquals(last[0] + 1, index);
            assertEquals("row-" + index, row.get("id"));
            last[0] = index;
        });
        assertEquals(56, last[0]);
    }

    @ParameterizedTest
    @CsvSource({
        "unsupported-delta, column 'n': encoding DELTA_BINARY_PACKED is not supported",
        "unsupported-int96, column 't': physical type INT96 is not supported",
        "unsupported-map, column 'm': maps are not supported",
        "unsupported-brotli, column 's': compression BROTLI is not supported"})
    void unsupportedFeaturesAreRefusedByName(String name, String message) {
        Path file = ParquetFixtures.file(name);
        ParquetException e = assertThrows(ParquetException.class, () -> ParquetReader.readRows(file));
        assertEquals(file + ": " + message, e.getMessage());
    }

    @Test
    void aFileThatIsNotParquetIsRefused() throws IOException {
        Path file = Files.createTempFile("not-parquet", ".parquet");
        try {
            Files.writeString(file, "{\"prompt\": \"this is JSON, not Parquet\"}\n");
            ParquetException e = assertThrows(ParquetException.class, () -> ParquetReader.readRows(file));
            assertEquals(file + ": not a Parquet file: it does not end with PAR1", e.getMessage());
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void aTruncatedFileIsRefusedNotMisread() throws IOException {
        byte[] whole = Files.readAllBytes(ParquetFixtures.file("trl-conversational"));
        Path file = Files.createTempFile("cut", ".parquet");
        try {
            byte[] cut = new byte[whole.length - 40];
            System.arraycopy(whole, 40, cut, 0, cut.length);
            Files.write(file, cut);
            assertThrows(ParquetException.class, () -> ParquetReader.readRows(file));
        } finally {
            Files.delete(file);
        }
    }

    /** JSON's value against the reader's: integers as Integer or Long, floats as the exact Double. */
    static void same(JsonNode expected, Object actual, String where) {
        if (expected.isNull()) {
            assertEquals(null, actual, where);
        } else if (expected.isTextual()) {
            assertEquals(expected.textValue(), actual, where);
        } else if (expected.isBoolean()) {
            assertEquals(expected.booleanValue(), actual, where);
        } else if (expected.isIntegralNumber()) {
            assertTrue(actual instanceof Integer || actual instanceof Long, where + ": " + actual);
            assertEquals(expected.longValue(), ((Number) actual).longValue(), where);
        } else if (expected.isFloatingPointNumber()) {
            assertEquals(expected.doubleValue(), assertInstanceOf(Double.class, actual, where), 0.0, where);
        } else if (expected.isArray()) {
            List<?> list = assertInstanceOf(List.class, actual, where);
            assertEquals(expected.size(), list.size(), where + ": length");
            for (int i = 0; i < list.size(); i++) {
                same(expected.get(i), list.get(i), where + "[" + i + "]");
            }
        } else if (expected.isObject()) {
            Map<?, ?> map = assertInstanceOf(Map.class, actual, where);
            assertEquals(List.copyOf(iterable(expected.fieldNames())), List.copyOf(map.keySet()), where + ": fields");
            expected.fields().forEachRemaining(e -> same(e.getValue(), map.get(e.getKey()), where + "." + e.getKey()));
        } else {
            fail(where + ": unexpected JSON " + expected);
        }
    }

    private static List<String> iterable(Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
