package dev.cohort.trainer.internal.config;

import dev.cohort.trainer.internal.config.YamlNode.Mapping;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads a run's YAML configuration into a {@link RunConfig}. Every problem in the file is
 * reported at once, in a {@link ConfigException} whose lines read
 * {@code <file>:<line>: <key>: <what is wrong>}; no configuration is returned unless the whole
 * file is right.
 */
public final class RunConfigParser {

    private RunConfigParser() {}

    /**
     * Parses a YAML file; relative paths in it are resolved against its directory. Problems name
     * the file as given.
     *
     * @throws ConfigException listing every problem, or saying the file cannot be read
     */
    public static RunConfig parse(Path file) {
        String name = file.toString();
        String yaml;
        try {
            yaml = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(List.of(name + ": cannot be read: " + reason(e)));
        }
        Path absolute = file.toAbsolutePath().normalize();
        return parse(yaml, name, absolute.getParent(), absolute);
    }

    /**
     * Parses YAML text; relative paths are resolved against the working directory. {@code
     * sourceName} stands for the file in messages; {@link RunConfig#source()} is null.
     *
     * @throws ConfigException listing every problem
     */
    public static RunConfig parse(String yaml, String sourceName) {
        return parse(yaml, sourceName, Path.of("").toAbsolutePath());
    }

    /**
     * Parses YAML text; relative paths are resolved against {@code baseDirectory}.
     *
     * @throws ConfigException listing every problem
     */
    public static RunConfig parse(String yaml, String sourceName, Path baseDirectory) {
        return parse(yaml, sourceName, baseDirectory.toAbsolutePath(), null);
    }

    private static RunConfig parse(String yaml, String sourceName, Path baseDirectory,
            Path source) {
        Problems problems = new Problems(sourceName);
        Mapping root = YamlReader.read(yaml, problems);
        RunConfig config = null;
        if (root != null) {
            config = new RunConfigReader(root, problems, baseDirectory, source).read();
        }
        if (!problems.isEmpty()) {
            throw problems.exception();
        }
        return config;
    }

    private static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof CharacterCodingException) {
            return "not UTF-8 text";
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
