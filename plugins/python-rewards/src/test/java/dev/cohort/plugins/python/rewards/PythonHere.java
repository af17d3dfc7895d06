package dev.cohort.plugins.python.rewards;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cohort.api.reward.RewardInput;
import dev.cohort.vllm.internal.rpc.BridgeLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** Test support: a real python3 (tests skip with the reason without one), servers, batches, a log. */
final class PythonHere {

    static final String PYTHON = "python3";

    private PythonHere() {
    }

    /** Skips the calling test when python3 cannot be run here. */
    static void assumePython() {
        String why;
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import sys; assert sys.version_info >= (3, 8)")
                    .redirectErrorStream(true).start();
            why = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 ? null : "python3 (>= 3.8) did not run";
        } catch (IOException e) {
            why = "python3 is not on the PATH: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            why = "interrupted";
        }
        String reason = why;
        assumeTrue(reason == null, () -> "skipped: these tests run real Python processes; " + reason);
    }

    static RewardServer server(Path dir, String module, long timeoutMs, BridgeLog log, String... functions) {
        ServerSettings s = ServerSettings.of("test", PYTHON, module, functions, new String[0], null, "prompt", timeoutMs);
        return new RewardServer(s, ServerScript.writeTo(dir.resolve(ServerScript.NAME)), log);
    }

    static Path write(Path file, String source) throws IOException {
        Files.writeString(file, source);
        return file;
    }

    /** A batch of n samples with text prompts and an {@code answer} column. */
    static RewardInput batch(long step, List<String> completions, List<String> answers) {
        List<String> prompts = new ArrayList<>();
        List<int[]> ids = new ArrayList<>();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < completions.size(); i++) {
            prompts.add("What is " + answers.get(i) + "?");
            ids.add(new int[] {i, i + 1});
            rows.add(Map.of("prompt", prompts.get(i), "answer", answers.get(i)));
        }
        return RewardInput.of(step, prompts, completions, ids, rows);
    }

    /** Lines logged, with their level. */
    static final class Lines implements BridgeLog {
        final List<String> lines = new CopyOnWriteArrayList<>();

        public void debug(String m) {
        }

        public void info(String m) {
            lines.add("INFO " + m);
        }

        public void warn(String m) {
            lines.add("WARN " + m);
        }
    }
}
