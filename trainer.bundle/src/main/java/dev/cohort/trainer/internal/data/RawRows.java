package dev.cohort.trainer.internal.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;

/** Reads the rows of JSON-lines and Parquet files as they are, each with its place. */
public final class RawRows {

    private RawRows() {
    }

    /** The rows of every file, in order; a file is Parquet or JSON lines ({@link DatasetFiles#isParquet}). */
    static List<RawRow> read(List<Path> files) throws IOException {
        List<RawRow> rows = new ArrayList<>();
        for (Path f : files) {
            int before = rows.size();
            if (DatasetFiles.isParquet(f)) {
                ParquetReader.forEachRow(f, (i, row) -> rows.add(new RawRow(f + " row " + i, row)));
            } else {
                rows.addAll(jsonLines(f));
            }
            if (rows.size() == before) {
                throw new DatasetException(f + ": no rows");
            }
        }
        return rows;
    }

    /** One JSON object per line (blank lines skipped); a line that is not one is refused with its number. */
    public static List<RawRow> jsonLines(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<RawRow> rows = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int no = 0;
            while ((line = in.readLine()) != null) {
                no++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n;
                try {
                    n = json.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new DatasetException(file + ":" + no + ": not a JSON object: " + e.getOriginalMessage());
                }
                if (n == null || !n.isObject()) {
                    throw new DatasetException(file + ":" + no + ": not a JSON object");
                }
                @SuppressWarnings("unchecked")
                LinkedHashMap<String, Object> row = json.convertValue(n, LinkedHashMap.class);
                rows.add(new RawRow(file + ":" + no, Collections.unmodifiableMap(row)));
            }
        }
        return rows;
    }
}
