package dev.cohort.trainer.internal.data;

import java.io.IOException;
import java.util.Arrays;

/**
 * Decodes the pages of one column chunk: an optional dictionary page, then data pages v1 and v2
 * with RLE levels and PLAIN, PLAIN_DICTIONARY / RLE_DICTIONARY or (booleans) RLE values. Other
 * encodings and page kinds are refused by name.
 */
final class ColumnReader {

    private static final int DATA_PAGE = 0;
    private static final int INDEX_PAGE = 1;
    private static final int DICTIONARY_PAGE = 2;
    private static final int DATA_PAGE_V2 = 3;

    static final int PLAIN = 0;
    static final int PLAIN_DICTIONARY = 2;
    static final int RLE = 3;
    static final int RLE_DICTIONARY = 8;
    private static final String[] ENCODINGS = {"PLAIN", "GROUP_VAR_INT", "PLAIN_DICTIONARY", "RLE", "BIT_PACKED",
        "DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY", "RLE_DICTIONARY", "BYTE_STREAM_SPLIT"};

    private final SchemaNode leaf;
    private final int codec;
    private final int[] rep;
    private final int[] def;
    private final Object[] values;
    private Object[] dictionary;
    private int entries;
    private int valueCount;

    private ColumnReader(SchemaNode leaf, int codec, long numValues) {
        if (numValues < 0 || numValues > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException(numValues + " values in one column chunk");
        }
        this.leaf = leaf;
        this.codec = codec;
        this.rep = new int[(int) numValues];
        this.def = new int[(int) numValues];
        this.values = new Object[(int) numValues];
    }

    static String encodingName(int e) {
        return e >= 0 && e < ENCODINGS.length ? ENCODINGS[e] : "encoding " + e;
    }

    /** The chunk's entries; {@code chunk[0, length)} holds its pages. IOException: unsupported. */
    static ColumnData read(SchemaNode leaf, int codec, long numValues, byte[] chunk) throws IOException {
        if (!Decompression.supported(codec)) {
            throw new IOException("compression " + Decompression.name(codec) + " is not supported");
        }
        ColumnReader r = new ColumnReader(leaf, codec, numValues);
        int pos = 0;
        while (r.entries < numValues) {
            if (pos >= chunk.length) {
                throw new IllegalStateException("the pages end after " + r.entries + " of " + numValues + " values");
            }
            pos = r.page(chunk, pos);
        }
        return new ColumnData(leaf, r.rep, r.def, r.values, r.entries);
    }

    /** Reads the page at {@code pos}; returns the position after it. */
    private int page(byte[] chunk, int pos) throws IOException {
        ThriftCompact in = new ThriftCompact(chunk, pos, chunk.length);
        ThriftStruct h = in.readStruct();
        int body = in.position();
        int compressed = (int) h.integer(3);
        int size = (int) h.integer(2);
        if (compressed < 0 || size < 0 || compressed > chunk.length - body) {
            throw new IllegalStateException("a page of " + compressed + " bytes overruns its column chunk");
        }
        switch ((int) h.integer(1)) {
            case DICTIONARY_PAGE -> dictionaryPage(h.struct(7), chunk, body, compressed, size);
            case DATA_PAGE -> dataPageV1(h.struct(5), Decompression.decompress(codec, chunk, body, compressed, size));
            case DATA_PAGE_V2 -> dataPageV2(h.struct(8), chunk, body, compressed, size);
            case INDEX_PAGE -> { }
            default -> throw new IOException("page type " + h.integer(1) + " is not supported");
        }
        return body + compressed;
    }

    private void dictionaryPage(ThriftStruct h, byte[] chunk, int body, int compressed, int size) throws IOException {
        int encoding = (int) h.integer(2);
        if (encoding != PLAIN && encoding != PLAIN_DICTIONARY) {
            throw new IOException("dictionary page encoding " + encodingName(encoding) + " is not supported");
        }
        int n = (int) h.integer(1);
        if (n < 0 || n > size) {
            throw new IllegalStateException("a dictionary of " + n + " values in " + size + " bytes");
        }
        byte[] b = Decompression.decompress(codec, chunk, body, compressed, size);
        dictionary = new Object[n];
        PlainValues.decode(leaf, b, 0, b.length, n, dictionary, 0);
    }

    private void dataPageV1(ThriftStruct h, byte[] b) throws IOException {
        int n = count(h.integer(1));
        int pos = 0;
        if (leaf.maxRepetition() > 0) {
            pos = levelsV1(b, pos, (int) h.integer(4), leaf.maxRepetition(), rep, n);
        }
        if (leaf.maxDefinition() > 0) {
            pos = levelsV1(b, pos, (int) h.integer(3), leaf.maxDefinition(), def, n);
        }
        values(b, pos, b.length, n, (int) h.integer(2));
    }

    private int levelsV1(byte[] b, int pos, int encoding, int max, int[] out, int n) throws IOException {
        if (encoding != RLE) {
            throw new IOException("level encoding " + encodingName(encoding) + " is not supported");
        }
        if (b.length - pos < 4) {
            throw new IllegalStateException("a data page ends before its levels");
        }
        int length = PlainValues.int32(b, pos);
        if (length < 0 || length > b.length - pos - 4) {
            throw new IllegalStateException("levels of " + length + " bytes overrun the page");
        }
        new RleHybrid(b, pos + 4, pos + 4 + length, RleHybrid.bitWidth(max)).decode(out, entries, n);
        return pos + 4 + length;
    }

    private void dataPageV2(ThriftStruct h, byte[] chunk, int body, int compressed, int size) throws IOException {
        int n = count(h.integer(1));
        int defLength = (int) h.integer(5);
        int repLength = (int) h.integer(6);
        if (defLength < 0 || repLength < 0 || (long) defLength + repLength > compressed) {
            throw new IllegalStateException("levels of " + repLength + " + " + defLength + " bytes in a page of "
                    + compressed);
        }
        if (leaf.maxRepetition() > 0) {
            new RleHybrid(chunk, body, body + repLength, RleHybrid.bitWidth(leaf.maxRepetition()))
                    .decode(rep, entries, n);
        }
        if (leaf.maxDefinition() > 0) {
            int from = body + repLength;
            new RleHybrid(chunk, from, from + defLength, RleHybrid.bitWidth(leaf.maxDefinition()))
                    .decode(def, entries, n);
        }
        int levels = repLength + defLength;
        byte[] b = h.bool(7, true)
                ? Decompression.decompress(codec, chunk, body + levels, compressed - levels, size - levels)
                : Arrays.copyOfRange(chunk, body + levels, body + compressed);
        values(b, 0, b.length, n, (int) h.integer(4));
    }

    private int count(long n) {
        if (n < 0 || n > rep.length - entries) {
            throw new IllegalStateException("a page of " + n + " values after " + entries + " of " + rep.length);
        }
        return (int) n;
    }

    /** The values of a page's {@code n} entries: one for each entry defined to the leaf. */
    private void values(byte[] b, int pos, int end, int n, int encoding) throws IOException {
        int present = 0;
        for (int i = entries; i < entries + n; i++) {
            if (leaf.maxDefinition() == 0) {
                def[i] = 0;
            }
            if (def[i] == leaf.maxDefinition()) {
                present++;
            }
        }
        switch (encoding) {
            case PLAIN -> PlainValues.decode(leaf, b, pos, end, present, values, valueCount);
            case PLAIN_DICTIONARY, RLE_DICTIONARY -> dictionaryValues(b, pos, end, present);
            case RLE -> rleBooleans(b, pos, end, present, encoding);
            default -> throw new IOException("encoding " + encodingName(encoding) + " is not supported");
        }
        valueCount += present;
        entries += n;
    }

    private void dictionaryValues(byte[] b, int pos, int end, int present) {
        if (dictionary == null) {
            throw new IllegalStateException("a dictionary-encoded page without a dictionary page");
        }
        int[] idx = new int[present];
        if (present > 0) {
            if (pos >= end) {
                throw new IllegalStateException("a dictionary-encoded page without indices");
            }
            new RleHybrid(b, pos + 1, end, b[pos] & 0xff).decode(idx, 0, present);
        }
        for (int i = 0; i < present; i++) {
            if (idx[i] < 0 || idx[i] >= dictionary.length) {
                throw new IllegalStateException("dictionary index " + idx[i] + " of " + dictionary.length);
            }
            values[valueCount + i] = dictionary[idx[i]];
        }
    }

    private void rleBooleans(byte[] b, int pos, int end, int present, int encoding) throws IOException {
        if (leaf.type() != PhysicalType.BOOLEAN) {
            throw new IOException("encoding " + encodingName(encoding) + " for " + PhysicalType.name(leaf.type())
                    + " values is not supported");
        }
        if (end - pos < 4) {
            throw new IllegalStateException("RLE booleans without their length");
        }
        int length = PlainValues.int32(b, pos);
        int[] bits = new int[present];
        new RleHybrid(b, pos + 4, Math.min(end, pos + 4 + Math.max(0, length)), 1).decode(bits, 0, present);
        for (int i = 0; i < present; i++) {
            values[valueCount + i] = bits[i] != 0;
        }
    }
}
