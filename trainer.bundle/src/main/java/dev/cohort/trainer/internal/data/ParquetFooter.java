package dev.cohort.trainer.internal.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Parquet file's metadata: the footer (Thrift FileMetaData) at the end of the file, before its
 * 4-byte length and the magic {@code PAR1}. Encrypted files ({@code PARE}, or an encryption
 * algorithm in a plaintext footer) and column chunks in other files are refused.
 */
record ParquetFooter(long numRows, ParquetSchema schema, List<RowGroup> rowGroups) {

    /** A row group: its rows and one column chunk per leaf of the schema, in schema order. */
    record RowGroup(long numRows, List<ColumnChunk> columns) {
    }

    /** Where a column chunk's pages are and how they are compressed. */
    record ColumnChunk(String path, int type, int codec, long numValues, long start, long length) {
    }

    private static final int TAIL = 8;

    static ParquetFooter read(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 12) {
            throw new ParquetException(file, null, "not a Parquet file: " + size + " bytes");
        }
        ByteBuffer tail = ParquetFooter.readFully(ch, size - TAIL, TAIL).order(ByteOrder.LITTLE_ENDIAN);
        String magic = new String(tail.array(), 4, 4, StandardCharsets.US_ASCII);
        if (magic.equals("PARE")) {
            throw new ParquetException(file, null, "encrypted Parquet files are not supported");
        }
        if (!magic.equals("PAR1")) {
            throw new ParquetException(file, null, "not a Parquet file: it does not end with PAR1");
        }
        long length = tail.getInt(0) & 0xffffffffL;
        if (length <= 0 || length > size - 12) {
            throw new ParquetException(file, null, "malformed footer length " + length + " in " + size + " bytes");
        }
        byte[] footer = readFully(ch, size - TAIL - length, (int) length).array();
        try {
            return parse(file, new ThriftCompact(footer, 0, footer.length).readStruct());
        } catch (IllegalStateException e) {
            throw new ParquetException(file, null, "malformed footer: " + e.getMessage(), e);
        }
    }

    private static ParquetFooter parse(Path file, ThriftStruct meta) throws ParquetException {
        if (meta.has(8)) {
            throw new ParquetException(file, null, "encrypted Parquet files are not supported");
        }
        ParquetSchema schema = ParquetSchema.of(file, meta.list(2, ThriftStruct.class));
        List<RowGroup> groups = new ArrayList<>();
        for (ThriftStruct g : meta.list(4, ThriftStruct.class)) {
            groups.add(rowGroup(file, schema, g));
        }
        return new ParquetFooter(meta.integer(3), schema, List.copyOf(groups));
    }

    private static RowGroup rowGroup(Path file, ParquetSchema schema, ThriftStruct g) throws ParquetException {
        List<ThriftStruct> chunks = g.list(1, ThriftStruct.class);
        if (chunks.size() != schema.leaves().size()) {
            throw new ParquetException(file, null, "a row group has " + chunks.size() + " column chunks for "
                    + schema.leaves().size() + " columns");
        }
        List<ColumnChunk> columns = new ArrayList<>();
        for (int i = 0; i < chunks.size(); i++) {
            columns.add(column(file, schema.leaves().get(i).path(), chunks.get(i)));
        }
        return new RowGroup(g.integer(3), List.copyOf(columns));
    }

    private static ColumnChunk column(Path file, String path, ThriftStruct c) throws ParquetException {
        if (c.has(8) || c.has(9)) {
            throw new ParquetException(file, path, "encrypted columns are not supported");
        }
        if (c.string(1) != null) {
            throw new ParquetException(file, path, "column chunks in another file (" + c.string(1)
                    + ") are not supported");
        }
        ThriftStruct m = c.struct(3);
        if (m == null) {
            throw new ParquetException(file, path, "malformed footer: a column chunk without metadata");
        }
        long data = m.integer(9);
        long dictionary = m.integer(11, -1);
        long start = dictionary > 0 && dictionary < data ? dictionary : data;
        return new ColumnChunk(path, (int) m.integer(1), (int) m.integer(4), m.integer(5), start, m.integer(7));
    }

    static ByteBuffer readFully(FileChannel ch, long position, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining()) {
            if (ch.read(b, position + b.position()) < 0) {
                throw new IOException("unexpected end of file at byte " + (position + b.position()));
            }
        }
        return b;
    }
}
