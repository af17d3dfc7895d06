package dev.cohort.vllm.internal.protocol;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Writes frames; one writer per connection, its writes serialised so frames never interleave. */
public final class FrameWriter {

    private final OutputStream out;
    private final Codec codec;

    public FrameWriter(OutputStream out, Codec codec) {
        this.out = out;
        this.codec = codec;
    }

    public synchronized void write(Message m) throws IOException {
        byte[] bytes = (codec.encode(m) + "\n").getBytes(StandardCharsets.UTF_8);
        out.write(bytes);
        out.flush();
    }
}
