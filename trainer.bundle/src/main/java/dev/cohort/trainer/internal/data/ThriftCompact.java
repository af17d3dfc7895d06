package dev.cohort.trainer.internal.data;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A decoder of Thrift's compact protocol, the encoding of Parquet's footer and page headers.
 * It reads a struct without knowing its schema into a {@link ThriftStruct} (field id to value);
 * the Parquet classes then take the fields they know by id. Values: Boolean, Long (every integer
 * type, zigzag-decoded), Double, byte[] (binary and strings), List (lists and sets),
 * ThriftStruct; maps are read and dropped (Parquet's footer has none that the reader needs).
 */
final class ThriftCompact {

    private static final int STOP = 0;
    private static final int TRUE = 1;
    private static final int FALSE = 2;
    private static final int BYTE = 3;
    private static final int I16 = 4;
    private static final int I32 = 5;
    private static final int I64 = 6;
    private static final int DOUBLE = 7;
    private static final int BINARY = 8;
    private static final int LIST = 9;
    private static final int SET = 10;
    private static final int MAP = 11;
    private static final int STRUCT = 12;
    private static final int MAX_DEPTH = 64;

    private final byte[] buf;
    private int pos;
    private final int end;

    ThriftCompact(byte[] buf, int offset, int end) {
        this.buf = buf;
        this.pos = offset;
        this.end = end;
    }

    /** The position after the last byte read. */
    int position() {
        return pos;
    }

    ThriftStruct readStruct() {
        return readStruct(0);
    }

    private ThriftStruct readStruct(int depth) {
        if (depth > MAX_DEPTH) {
            throw malformed("structs nested more than " + MAX_DEPTH + " deep");
        }
        ThriftStruct s = new ThriftStruct();
        int lastId = 0;
        while (true) {
            int header = readByte() & 0xff;
            int type = header & 0x0f;
            if (type == STOP) {
                return s;
            }
            int delta = header >>> 4;
            int id = delta != 0 ? lastId + delta : (int) zigzag(readVarint());
            lastId = id;
            s.put(id, type == TRUE || type == FALSE ? Boolean.valueOf(type == TRUE) : readValue(type, depth));
        }
    }

    private Object readValue(int type, int depth) {
        return switch (type) {
            case TRUE, FALSE -> readByte() == TRUE;
            case BYTE -> (long) readByte();
            case I16, I32, I64 -> zigzag(readVarint());
            case DOUBLE -> Double.longBitsToDouble(readLittleEndianLong());
            case BINARY -> readBinary();
            case LIST, SET -> readList(depth);
            case MAP -> skipMap(depth);
            case STRUCT -> readStruct(depth + 1);
            default -> throw malformed("unknown compact type " + type);
        };
    }

    private List<Object> readList(int depth) {
        int header = readByte() & 0xff;
        long size = header >>> 4;
        if (size == 15) {
            size = readVarint();
        }
        if (size < 0 || size > end - pos) {
            throw malformed("a list of " + size + " elements in " + (end - pos) + " bytes");
        }
        int type = header & 0x0f;
        List<Object> out = new ArrayList<>((int) size);
        for (long i = 0; i < size; i++) {
            out.add(readValue(type, depth));
        }
        return out;
    }

    private Object skipMap(int depth) {
        long size = readVarint();
        if (size < 0 || size > end - pos) {
            throw malformed("a map of " + size + " entries in " + (end - pos) + " bytes");
        }
        if (size > 0) {
            int types = readByte() & 0xff;
            for (long i = 0; i < size; i++) {
                readValue(types >>> 4, depth);
                readValue(types & 0x0f, depth);
            }
        }
        return List.of();
    }

    private byte[] readBinary() {
        long length = readVarint();
        if (length < 0 || length > end - pos) {
            throw malformed("a binary of " + length + " bytes with " + (end - pos) + " left");
        }
        byte[] out = new byte[(int) length];
        System.arraycopy(buf, pos, out, 0, out.length);
        pos += out.length;
        return out;
    }

    private long readVarint() {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = readByte();
            v |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw malformed("a varint longer than 10 bytes");
    }

    private long readLittleEndianLong() {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v |= (long) (readByte() & 0xff) << (8 * i);
        }
        return v;
    }

    private int readByte() {
        if (pos >= end) {
            throw malformed("truncated");
        }
        return buf[pos++];
    }

    private static long zigzag(long v) {
        return (v >>> 1) ^ -(v & 1);
    }

    private IllegalStateException malformed(String what) {
        return new IllegalStateException("malformed Thrift metadata at byte " + pos + ": " + what);
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
