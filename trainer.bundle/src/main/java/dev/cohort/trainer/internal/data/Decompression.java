package dev.cohort.trainer.internal.data;

import io.airlift.compress.MalformedInputException;
import io.airlift.compress.snappy.SnappyDecompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * Parquet's page compression codecs: UNCOMPRESSED, SNAPPY and ZSTD (aircompressor, pure Java,
 * embedded in the bundle) and GZIP (the JDK); the others (LZO, BROTLI, LZ4) are refused.
 */
final class Decompression {

    static final int UNCOMPRESSED = 0;
    static final int SNAPPY = 1;
    static final int GZIP = 2;
    static final int ZSTD = 6;
    private static final String[] NAMES = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD",
        "LZ4_RAW"};

    private Decompression() {
    }

    static String name(int codec) {
        return codec >= 0 && codec < NAMES.length ? NAMES[codec] : "codec " + codec;
    }

    static boolean supported(int codec) {
        return codec == UNCOMPRESSED || codec == SNAPPY || codec == GZIP || codec == ZSTD;
    }

    /** The {@code size} bytes that {@code src[off, off + len)} decompresses to. */
    static byte[] decompress(int codec, byte[] src, int off, int len, int size) throws IOException {
        byte[] out = new byte[size];
        int n;
        try {
            n = switch (codec) {
                case UNCOMPRESSED -> copy(src, off, len, out);
                case SNAPPY -> new SnappyDecompressor().decompress(src, off, len, out, 0, size);
                case ZSTD -> new ZstdDecompressor().decompress(src, off, len, out, 0, size);
                case GZIP -> gunzip(src, off, len, out);
                default -> throw new IOException("compression " + name(codec) + " is not supported");
            };
        } catch (MalformedInputException e) {
            throw new IOException(name(codec) + " data is corrupt: " + e.getMessage(), e);
        }
        if (n != size) {
            throw new IOException(name(codec) + " data decompressed to " + n + " bytes, the page header says "
                    + size);
        }
        return out;
    }

    private static int copy(byte[] src, int off, int len, byte[] out) {
        System.arraycopy(src, off, out, 0, Math.min(len, out.length));
        return len;
    }

    private static int gunzip(byte[] src, int off, int len, byte[] out) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(src, off, len))) {
            int n = in.readNBytes(out, 0, out.length);
            if (in.read() >= 0) {
                return n + 1;
            }
            return n;
        }
    }
}
