package dev.cohort.trainer.internal.checkpoint;

import java.nio.ByteBuffer;

/** Element types of safetensors files that Cohort reads and writes (F32, BF16, F16). */
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

    /** IEEE 754 binary16 bits of a float, rounded to nearest even; overflow to infinity, NaN stays NaN. */
    static short toHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) {
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign;
            }
            int m = mant | 0x800000;
            int shift = 14 - e;
            int half = m >>> shift;
            int rest = m & ((1 << shift) - 1);
            int mid = 1 << (shift - 1);
            if (rest > mid || (rest == mid && (half & 1) != 0)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >>> 13);
        int rest = mant & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) != 0)) {
            half++;
        }
        return (short) (sign | half);
    }

    /** The dtype of a config.json torch_dtype ("float32", "bfloat16", "float16"). */
    public static DType ofTorch(String torchDtype) {
        switch (torchDtype) {
            case "bfloat16":
                return BF16;
            case "float16":
                return F16;
            default:
                return F32;
        }
    }

    /** config.json's torch_dtype name of this dtype. */
    public String torchName() {
        return this == BF16 ? "bfloat16" : this == F16 ? "float16" : "float32";
    }
}
