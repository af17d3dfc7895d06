package dev.cohort.plugins.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cohort.api.training.TrainingMetrics;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunStatusTest {

    /** A line as the trainer's cohort:runs writes it (TrainingRun.statusLine's format). */
    static String line(String id, String state, String eta, String backend, String outcome) {
        return String.format(Locale.ROOT,
                "%-28s %-9s step %4d/%-4d reward %7s  kl %8s  tokens/s %7s  ETA %-6s  backend %s%s", id, state, 12, 600,
                "0.594", "-", "1234", eta, backend, outcome.isEmpty() ? "" : "  " + outcome);
    }

    @Test
    void readsStateEtaBackendAndOutcomeOfEachRun() {
        String text = line("quickstart", "running", "3m20s", "java, 2 threads", "") + "\n"
                + line("gsm8k-2", "failed", "-", "cuda on NVIDIA H200 (sm_90)", "step 3 failed: out of memory") + "\n";
        Map<String, RunStatus> runs = RunStatus.parse(text);
        assertEquals(new RunStatus("quickstart", "running", "3m20s", "java, 2 threads", ""), runs.get("quickstart"));
        assertEquals(new RunStatus("gsm8k-2", "failed", "-", "cuda on NVIDIA H200 (sm_90)", "step 3 failed: out of memory"),
                runs.get("gsm8k-2"));
        assertEquals(Map.of(), RunStatus.parse("no runs"));
        assertEquals(Map.of(), RunStatus.parse(null));
    }

    @Test
    void withoutTheShellTheStateAndEtaComeFromTheMetrics() {
        TrainingMetrics first = new TrainingMetrics("r", 10, 110, Map.of(), Instant.ofEpochSecond(1000));
        TrainingMetrics last = new TrainingMetrics("r", 20, 110, Map.of(), Instant.ofEpochSecond(1020));
        assertEquals("3m00s", SystemInfo.eta(first, last, Instant.ofEpochSecond(1021)), "2 s a step, 90 steps left");
        assertEquals("running", SystemInfo.derivedState(last, Instant.ofEpochSecond(1030)));
        assertEquals("no step for 5m00s", SystemInfo.derivedState(last, Instant.ofEpochSecond(1320)));
        TrainingMetrics done = new TrainingMetrics("r", 110, 110, Map.of(), Instant.ofEpochSecond(1200));
        assertEquals("finished", SystemInfo.derivedState(done, Instant.ofEpochSecond(5000)));
        assertEquals("-", SystemInfo.eta(first, done, Instant.ofEpochSecond(5000)));
    }
}
