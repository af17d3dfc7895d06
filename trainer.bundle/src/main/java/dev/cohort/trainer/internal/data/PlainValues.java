package dev.cohort.trainer.internal.data;

import java.nio.charset.StandardCharsets;

/**
 * PLAIN-encoded values of one page (or of a dictionary page) as Java objects: BOOLEAN (bit-packed,
 * least significant bit first) as Boolean, INT32 as Integer (UINT_32 as Long), INT64 as Long,
 * FLOAT (widened exactly) and DOUBLE as Double, BYTE_ARRAY (4-byte length, bytes) as String when
 * annotated UTF-8, else as byte[].
 */
final class PlainValues {

    private PlainValues() {
    }

    /** Decodes {@code count} values from {@code buf[pos, end)} into {@code out[from...]}. */
    static void decode(SchemaNode leaf, byte[] buf, int pos, int end, int count, Object[] out, int from) {
        int p = pos;
        for (int i = 0; i < count; i++) {
            int size = size(leaf.type(), buf, p, i);
            if (size > end - p || p >= end && leaf.type() == PhysicalType.BOOLEAN) {
                throw new IllegalStateException("PLAIN data ends after " + i + " of " + count + " values");
            }
            out[from + i] = value(leaf, buf, p, i);
            p += size;
        }
    }

    /** Bytes taken by the value at {@code p} (0 for booleans, which share bytes). */
    private static int size(int type, byte[] buf, int p, int i) {
        return switch (type) {
            case PhysicalType.BOOLEAN -> (i & 7) == 7 ? 1 : 0;
            case PhysicalType.INT32, PhysicalType.FLOAT -> 4;
            case PhysicalType.INT64, PhysicalType.DOUBLE -> 8;
            case PhysicalType.BYTE_ARRAY -> {
                if (buf.length - p < 4) {
                    yield Integer.MAX_VALUE;
                }
                long n = int32(buf, p) & 0xffffffffL;
                yield n > Integer.MAX_VALUE - 4 ? Integer.MAX_VALUE : 4 + (int) n;
            }
            default -> throw new IllegalStateException("PLAIN values of " + PhysicalType.name(type));
        };
    }

    private static Object value(SchemaNode leaf, byte[] buf, int p, int i) {
        return switch (leaf.type()) {
            case PhysicalType.BOOLEAN -> ((buf[p] >>> (i & 7)) & 1) != 0;
            case PhysicalType.INT32 -> leaf.annotation() == SchemaNode.UNSIGNED && leaf.bitWidth() == 32
                    ? (Object) (int32(buf, p) & 0xffffffffL) : (Object) int32(buf, p);
            case PhysicalType.INT64 -> int64(buf, p);
            case PhysicalType.FLOAT -> (double) Float.intBitsToFloat(int32(buf, p));
            case PhysicalType.DOUBLE -> Double.longBitsToDouble(int64(buf, p));
            default -> bytes(leaf, buf, p);
        };
    }

    private static Object bytes(SchemaNode leaf, byte[] buf, int p) {
        int n = int32(buf, p);
        if (leaf.annotation() == SchemaNode.STRING) {
            return new String(buf, p + 4, n, StandardCharsets.UTF_8);
        }
        byte[] b = new byte[n];
        System.arraycopy(buf, p + 4, b, 0, n);
        return b;
    }

    static int int32(byte[] b, int p) {
        return (b[p] & 0xff) | (b[p + 1] & 0xff) << 8 | (b[p + 2] & 0xff) << 16 | (b[p + 3] & 0xff) << 24;
    }

    private static long int64(byte[] b, int p) {
        return (int32(b, p) & 0xffffffffL) | (long) int32(b, p + 4) << 32;
    }
}
