package dev.cohort.trainer.internal.task;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's examples/ folder, from the module directory (Maven) or the repository root. */
final class Examples {

    private Examples() {
    }

    static Path dir() {
        for (Path p : new Path[] {Path.of("../examples"), Path.of("examples")}) {
            if (Files.isDirectory(p.resolve("addition"))) {
                return p;
            }
        }
        throw new IllegalStateException("no examples/addition under " + Path.of("").toAbsolutePath()
                + " or its parent");
    }
}
