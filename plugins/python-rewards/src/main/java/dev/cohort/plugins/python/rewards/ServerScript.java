package dev.cohort.plugins.python.rewards;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** The reward server's Python source, shipped in this bundle and written where Python can run it. */
public final class ServerScript {

    public static final String NAME = "cohort_reward_server.py";

    private ServerScript() {
    }

    /** Writes the server to {@code file} (replacing an older copy) and returns it. */
    public static Path writeTo(Path file) {
        try (InputStream in = ServerScript.class.getResourceAsStream("/" + NAME)) {
            if (in == null) {
                throw new IllegalStateException(NAME + " is missing from the python-rewards bundle");
            }
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), NAME, ".tmp");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the reward server to " + file + ": " + e.getMessage(), e);
        }
    }
}
