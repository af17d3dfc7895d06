package dev.cohort.core.internal.delivery;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Batches written to disk, one file per sequence number, in a directory that belongs to one
 * {@link Delivery} (in the core bundle's data area at run time). Sequence numbers restart with
 * every activation, so the directory is emptied when the store opens and when it closes.
 */
final class SpillStore<E> implements AutoCloseable {

    private final Path dir;
    private final SpillCodec<E> codec;

    SpillStore(Path dir, SpillCodec<E> codec) throws IOException {
        this.dir = dir;
        this.codec = codec;
        Files.createDirectories(dir);
        clear();
    }

    Path directory() {
        return dir;
    }

    void write(Sequenced<E> item) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(
                Files.newOutputStream(file(item.seq())), 1 << 16))) {
            codec.write(item.event(), out);
        }
    }

    Sequenced<E> read(long seq) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(
                Files.newInputStream(file(seq)), 1 << 16))) {
            return new Sequenced<>(seq, codec.read(in));
        }
    }

    void delete(long seq) {
        try {
            Files.deleteIfExists(file(seq));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete spilled batch " + file(seq), e);
        }
    }

    private Path file(long seq) {
        return dir.resolve(seq + ".batch");
    }

    private void clear() throws IOException {
        if (!Files.isDirectory(dir)) {
            return; // never created, or the framework's storage went first (a runtime ending)
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.batch")) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
        }
    }

    @Override
    public void close() throws IOException {
        clear();
    }
}
