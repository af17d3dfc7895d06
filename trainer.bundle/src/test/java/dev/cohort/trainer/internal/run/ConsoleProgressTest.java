package dev.cohort.trainer.internal.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.api.training.TrainingMetrics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConsoleProgressTest {

    private static TrainingMetrics step(long step) {
        return new TrainingMetrics("r", step, 10, Map.of("reward", 0.25, "tokens_per_second", 1234.0), null);
    }

    @Test
    void withoutATerminalOnlyLoggingStepsPrintALine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConsoleProgress p = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8),
                ConsoleProgress.Mode.LINES, () -> 0);
        for (int s = 1; s <= 10; s++) {
            p.step(step(s), s % 5 == 0);
        }
        p.end();
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(2, lines.length);
        assertTrue(lines[0].startsWith("step 5/10 | reward 0.250"), lines[0]);
        assertTrue(lines[1].startsWith("step 10/10 | reward 0.250"), lines[1]);
    }

    @Test
    void onATerminalTheBarShowsTheEtaFromTheStepsTakenAndLoggingStepsStayAbove() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        long[] now = {0};
        ConsoleProgress p = new ConsoleProgress(new PrintStream(bytes, true, StandardCharsets.UTF_8),
                ConsoleProgress.Mode.BAR, () -> now[0]);
        p.step(step(1), false);
        now[0] = 4_000_000_000L; // 2 s a step
        p.step(step(3), false);
        assertTrue(bytes.toString(StandardCharsets.UTF_8).endsWith(
                "[#######.................] 3/10  30% ETA 14s | reward 0.250 | 1234 tok/s"), bytes.toString());
        p.step(step(5), true);
        p.end();
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("\r\033[2Kstep 5/10 | reward 0.250"), out);
        assertTrue(out.endsWith("ETA 5s | reward 0.250 | 1234 tok/s\n"), out);
    }

    @Test
    void theModeIsWhatTheScriptSaysElseWhetherThereIsAConsole() {
        assertEquals(ConsoleProgress.Mode.BAR, ConsoleProgress.Mode.of("bar", false));
        assertEquals(ConsoleProgress.Mode.LINES, ConsoleProgress.Mode.of("lines", true));
        assertEquals(ConsoleProgress.Mode.BAR, ConsoleProgress.Mode.of(null, true));
        assertEquals(ConsoleProgress.Mode.LINES, ConsoleProgress.Mode.of("", false));
    }
}
