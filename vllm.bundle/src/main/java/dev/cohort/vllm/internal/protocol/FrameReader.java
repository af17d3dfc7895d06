package dev.cohort.vllm.internal.protocol;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Reads newline-terminated UTF-8 frames, refusing any longer than the maximum. */
public final class FrameReader {

    private final InputStream in;
    private int maxFrame;
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream(4096);
    private final byte[] chunk = new byte[8192];
    private int pos;
    private int len;

    public FrameReader(InputStream in, int maxFrame) {
        this.in = in;
        this.maxFrame = maxFrame;
    }

    /**
     * Changes the longest frame accepted from now on: a small limit before the handshake (so a
     * client that never sends a newline costs little memory), the configured one after it.
     */
    public void limit(int bytes) {
        this.maxFrame = bytes;
    }

    /** The next frame without its newline, or null at end of stream. */
    public String next() throws IOException {
        buf.reset();
        while (true) {
            if (pos == len) {
                len = in.read(chunk);
                pos = 0;
                if (len < 0) {
                    len = 0;
                    if (buf.size() > 0) {
                        throw new ProtocolException("connection ended inside a frame of " + buf.size() + " bytes");
                    }
                    return null;
                }
            }
            int start = pos;
            while (pos < len && chunk[pos] != '\n') {
                pos++;
            }
            buf.write(chunk, start, pos - start);
            if (buf.size() > maxFrame) {
                throw new ProtocolException("frame longer than the maximum of " + maxFrame + " bytes");
            }
            if (pos < len) {
                pos++;
                return buf.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
