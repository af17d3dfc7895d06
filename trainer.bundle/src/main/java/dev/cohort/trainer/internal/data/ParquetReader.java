package dev.cohort.trainer.internal.data;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads the rows of a Parquet file, the subset that Hugging Face dataset files use (written by
 * pyarrow / datasets): PLAIN, dictionary and (booleans) RLE values in data pages v1 and v2;
 * UNCOMPRESSED, SNAPPY, ZSTD or GZIP pages; BOOLEAN, INT32, INT64, FLOAT, DOUBLE and BYTE_ARRAY
 * columns, required or optional, in structs and lists nested to any depth. A row is an
 * unmodifiable map from top-level field to value: Boolean, Integer, Long, Double, String (UTF-8
 * columns) or byte[], List, Map, or null. Anything else (DELTA_* or BYTE_STREAM_SPLIT encodings,
 * maps, INT96, fixed-length byte arrays, dates, decimals and other logical types, LZ4, BROTLI,
 * encryption) is refused with a {@link ParquetException} naming the file, the column and the
 * feature. Row groups are read one at a time.
 */
public final class ParquetReader {

    private ParquetReader() {
    }

    /** Receives the rows of a file in order; {@code index} counts from 0 over the whole file. */
    @FunctionalInterface
    public interface RowHandler {
        void row(long index, Map<String, Object> row) throws IOException;
    }

    /** Every row of {@code file}. */
    public static List<Map<String, Object>> readRows(Path file) throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        forEachRow(file, (index, row) -> rows.add(row));
        return rows;
    }

    /** Hands every row of {@code file} to {@code handler}, one row group in memory at a time. */
    public static void forEachRow(Path file, RowHandler handler) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ParquetFooter footer = ParquetFooter.read(file, ch);
            long index = 0;
            for (ParquetFooter.RowGroup group : footer.rowGroups()) {
                RecordAssembler rows = new RecordAssembler(footer.schema().root(), columns(file, ch, footer, group));
                for (long r = 0; r < group.numRows(); r++) {
                    handler.row(index++, assemble(file, rows, index - 1));
                }
                if (!rows.exhausted()) {
                    throw new ParquetException(file, null, "a row group has more column entries than its "
                            + group.numRows() + " rows");
                }
            }
            if (index != footer.numRows()) {
                throw new ParquetException(file, null, "the row groups hold " + index + " rows, the footer says "
                        + footer.numRows());
            }
        }
    }

    private static Map<String, Object> assemble(Path file, RecordAssembler rows, long index) throws ParquetException {
        try {
            return rows.row();
        } catch (IllegalStateException e) {
            throw new ParquetException(file, null, "row " + index + ": " + e.getMessage(), e);
        }
    }

    private static ColumnData[] columns(Path file, FileChannel ch, ParquetFooter footer, ParquetFooter.RowGroup group)
            throws IOException {
        List<SchemaNode> leaves = footer.schema().leaves();
        ColumnData[] out = new ColumnData[leaves.size()];
        for (int i = 0; i < out.length; i++) {
            ParquetFooter.ColumnChunk c = group.columns().get(i);
            SchemaNode leaf = leaves.get(i);
            if (c.start() < 0 || c.length() < 0 || c.length() > Integer.MAX_VALUE - 8
                    || c.start() + c.length() > ch.size()) {
                throw new ParquetException(file, leaf.path(), "a column chunk of " + c.length() + " bytes at "
                        + c.start() + " lies outside the file's " + ch.size() + " bytes");
            }
            byte[] chunk = ParquetFooter.readFully(ch, c.start(), (int) c.length()).array();
            out[i] = decode(file, leaf, c, chunk);
        }
        return out;
    }

    private static ColumnData decode(Path file, SchemaNode leaf, ParquetFooter.ColumnChunk c, byte[] chunk)
            throws ParquetException {
        try {
            return ColumnReader.read(leaf, c.codec(), c.numValues(), chunk);
        } catch (ParquetException e) {
            throw e;
        } catch (IOException e) {
            throw new ParquetException(file, leaf.path(), e.getMessage(), e);
        } catch (IllegalStateException | IndexOutOfBoundsException e) {
            throw new ParquetException(file, leaf.path(), "malformed column chunk: " + e.getMessage(), e);
        }
    }
}
