package dev.cohort.trainer.internal.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a run writes into its folder besides checkpoints: {@value #CONFIG}, the resolved
 * configuration, at the start; {@value MetricsFile#NAME}, a line per logging step; and the
 * {@code log_history} that checkpoints put into trainer_state.json. A step is a logging step when
 * its number is a multiple of {@code logging_steps} (Hugging Face's {@code logging_strategy="steps"});
 * its line and history entry hold the window of steps since the last logging step, reduced as
 * TRL does ({@link LogWindow}).
 */
public final class RunRecords implements Closeable {

    /** The resolved configuration: YAML, the format of the file it came from, so it runs again as it is. */
    public static final String CONFIG = "config.yaml";

    private final MetricsFile metrics;
    private final LogWindow window = new LogWindow();
    private final LogHistory history;
    private final int loggingSteps;

    private RunRecords(MetricsFile metrics, LogHistory history, int loggingSteps) {
        this.metrics = metrics;
        this.history = history;
        this.loggingSteps = loggingSteps;
    }

    /**
     * Writes the resolved configuration and opens the metrics file of a run. {@code resumedFrom}
     * (null for a new run) is the checkpoint a resumed run continues from, at {@code resumedStep},
     * with the {@code log_history} it saved.
     */
    public static RunRecords start(Path runDir, Map<String, Object> config, int loggingSteps, Path resumedFrom,
            long resumedStep, List<Map<String, Object>> savedHistory) throws IOException {
        if (loggingSteps < 1) {
            throw new IllegalArgumentException("logging_steps must be >= 1, got " + loggingSteps);
        }
        writeConfig(runDir, config);
        MetricsFile file = new MetricsFile(runDir);
        if (resumedFrom != null) {
            file.resumed(resumedStep, resumedFrom, Instant.now());
        }
        return new RunRecords(file, new LogHistory(savedHistory), loggingSteps);
    }

    /** The resolved configuration as YAML, written to a temporary file and renamed into place. */
    static void writeConfig(Path runDir, Map<String, Object> config) throws IOException {
        Files.createDirectories(runDir);
        YAMLFactory yaml = YAMLFactory.builder().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).build();
        String text = "# The resolved configuration of this run (every key with its effective value), written"
                + " at its start.\n" + new ObjectMapper(yaml).writeValueAsString(new LinkedHashMap<>(config));
        Path tmp = runDir.resolve(CONFIG + ".tmp-" + System.nanoTime());
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, runDir.resolve(CONFIG), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Adds one optimizer step; at a logging step writes the window's line (with the step's time,
     * the run's epoch, NaN for none, and the weights version its completions were sampled with)
     * and appends its {@code log_history} entry. Returns true when the step was a logging step.
     */
    public boolean step(long step, Instant time, double epoch, long weightsVersion, Map<String, Double> values) {
        window.add(values);
        if (step % loggingSteps != 0) {
            return false;
        }
        Map<String, Double> reduced = window.close();
        metrics.step(step, time, epoch, weightsVersion, reduced);
        history.add(step, epoch, reduced);
        return true;
    }

    /** The {@code log_history} of a checkpoint at {@code step}. */
    public List<Map<String, Object>> logHistory(long step) {
        return history.upTo(step);
    }

    public Path metricsFile() {
        return metrics.file();
    }

    @Override
    public void close() throws IOException {
        metrics.close();
    }
}
