package dev.cohort.trainer.internal.data;

/**
 * Parquet's RLE / bit-packing hybrid: runs of one repeated value ({@code header = count << 1},
 * the value in ceil(bitWidth / 8) little-endian bytes) and groups of 8 bit-packed values
 * ({@code header = groups << 1 | 1}, packed least significant bit first). Used for definition
 * and repetition levels, dictionary indices and RLE-encoded booleans.
 */
final class RleHybrid {

    private final byte[] buf;
    private int pos;
    private final int end;
    private final int bitWidth;

    RleHybrid(byte[] buf, int pos, int end, int bitWidth) {
        if (bitWidth < 0 || bitWidth > 32) {
            throw new IllegalStateException("bit width " + bitWidth + " out of range");
        }
        this.buf = buf;
        this.pos = pos;
        this.end = end;
        this.bitWidth = bitWidth;
    }

    /** Decodes {@code count} values into {@code out[from, from + count)}. */
    void decode(int[] out, int from, int count) {
        int i = from;
        int stop = from + count;
        if (bitWidth == 0) {
            java.util.Arrays.fill(out, from, stop, 0);
            return;
        }
        while (i < stop) {
            long header = varint();
            if ((header & 1) == 0) {
                int run = checkedCount(header >>> 1);
                int v = littleEndian((bitWidth + 7) / 8);
                int n = Math.min(run, stop - i);
                java.util.Arrays.fill(out, i, i + n, v);
                i += n;
            } else {
                i = unpack(out, i, stop, checkedCount((header >>> 1) * 8));
            }
        }
    }

    /** Unpacks {@code values} bit-packed values, keeping those that fit before {@code stop}. */
    private int unpack(int[] out, int i, int stop, int values) {
        long bytes = (long) values * bitWidth / 8;
        if (bytes > end - pos) {
            throw new IllegalStateException("a bit-packed run of " + values + " values overruns the data");
        }
        long bit = (long) pos * 8;
        long mask = (1L << bitWidth) - 1;
        for (int k = 0; k < values && i < stop; k++, i++) {
            long b = bit + (long) k * bitWidth;
            int byteIndex = (int) (b >>> 3);
            long word = 0;
            for (int j = 0; j < 5 && byteIndex + j < end; j++) {
                word |= (long) (buf[byteIndex + j] & 0xff) << (8 * j);
            }
            out[i] = (int) ((word >>> (b & 7)) & mask);
        }
        pos += (int) bytes;
        return i;
    }

    private int checkedCount(long n) {
        if (n <= 0 || n > Integer.MAX_VALUE / 8) {
            throw new IllegalStateException("a run of " + n + " values");
        }
        return (int) n;
    }

    private int littleEndian(int bytes) {
        if (bytes > end - pos) {
            throw new IllegalStateException("an RLE run overruns the data");
        }
        int v = 0;
        for (int j = 0; j < bytes; j++) {
            v |= (buf[pos++] & 0xff) << (8 * j);
        }
        return v;
    }

    private long varint() {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw new IllegalStateException("RLE/bit-packed data ends early");
            }
            int b = buf[pos++];
            v |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new IllegalStateException("a varint longer than 10 bytes");
    }

    /** Bits needed for values 0..max. */
    static int bitWidth(int max) {
        return 32 - Integer.numberOfLeadingZeros(max);
    }
}
