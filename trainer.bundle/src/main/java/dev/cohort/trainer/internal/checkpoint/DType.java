package dev.cohort.trainer.internal.checkpoint;

import java.nio.ByteBuffer;

/** Element types of safetensors files that Cohort reads (F32, BF16, F16) and writes (F32, BF16). */
public enum DType {
    F32(4), BF16(2), F16(2);

    final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    static DType parse(String name, String tensor) throws CheckpointException {
        try {
            return valueOf(name);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("tensor '" + tensor + "' has dtype " + name
                    + ", which Cohort does not read (F32, BF16, F16)");
        }
    }

    /** Reads element {@code i} of a little-endian buffer as a float. */
    float read(ByteBuffer b, int offset, int i) {
        switch (this) {
            case F32:
                return b.getFloat(offset + 4 * i);
            case BF16:
                return Float.intBitsToFloat((b.getShort(offset + 2 * i) & 0xffff) << 16);
            default:
                return halfToFloat(b.getShort(offset + 2 * i));
        }
    }

    /** IEEE 754 binary16 to float (exact: every half value is a float). */
    static float halfToFloat(short h) {
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** BF16 bits of a float, rounded to nearest even (NaN stays a quiet NaN). */
    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
