package dev.cohort.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The {@code ./cohort} launcher's arguments: every command answers {@code --help} with its usage
 * and refuses an unknown option with its usage (a near miss with a did-you-mean), and train's
 * {@code --resume} of a missing or non-checkpoint directory is Cohort's own error. These are all
 * checked before anything is built or started.
 */
class CohortScriptIT {

    record Result(int exit, String output) {
    }

    static Result cohort(String... args) throws Exception {
        Path script = Path.of(System.getProperty("cohort.script", "../cohort")).toAbsolutePath();
        List<String> cmd = new ArrayList<>(List.of("bash", script.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "./cohort did not end");
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"shell", "build", "train", "quickstart", "generate", "merge", "tokenize", "chat-template", "bench", "new-plugin"})
    void everyCommandHasHelp(String command) throws Exception {
        Result r = cohort(command, "--help");
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().startsWith("Usage: ./cohort " + command + " "), r.output());
    }

    @ParameterizedTest
    @ValueSource(strings = {"shell", "build", "train", "quickstart", "generate", "merge", "tokenize", "chat-template", "new-plugin"})
    void everyCommandRefusesAnUnknownOption(String command) throws Exception {
        Result r = cohort(command, "--bogus-option");
        assertEquals(2, r.exit(), r.output());
        assertTrue(r.output().startsWith("cohort " + command + ": unknown option '--bogus-option'\n"
                + "Usage: ./cohort " + command + " "), r.output());
    }

    @Test
    void aMisspelledOptionIsAnErrorWithADidYouMean() throws Exception {
        Path yaml = Files.writeString(Files.createTempDirectory("cohort-script").resolve("run.yaml"), "model: tiny\n");
        Result r = cohort("train", yaml.toString(), "--resme", "runs/x/checkpoint-10");
        assertEquals(2, r.exit(), r.output());
        assertTrue(r.output().startsWith("cohort train: unknown option '--resme'; did you mean --resume?\n"
                + "Usage: ./cohort train CONFIG.yaml [--resume CHECKPOINT]"), r.output());
        r = cohort("generate", "--modle", "dir");
        assertTrue(r.output().startsWith("cohort generate: unknown option '--modle'; did you mean --model?"), r.output());
        r = cohort("quickstart", "--seed");
        assertEquals(2, r.exit(), r.output());
        assertTrue(r.output().startsWith("cohort quickstart: --seed needs a value"), r.output());
    }

    @Test
    void resumeOfAMissingOrNonCheckpointDirectoryIsCohortsError() throws Exception {
        Path dir = Files.createTempDirectory("cohort-script");
        Path yaml = Files.writeString(dir.resolve("run.yaml"), "model: tiny\n");
        Result r = cohort("train", yaml.toString(), "--resume", dir.resolve("runs/x/checkpoint-9").toString());
        assertEquals(2, r.exit(), r.output());
        assertEquals("cohort train: --resume " + dir.resolve("runs/x/checkpoint-9") + ": no such checkpoint directory\n",
                r.output());
        r = cohort("train", "--resume", dir.toString(), yaml.toString());
        assertEquals(2, r.exit(), r.output());
        assertTrue(r.output().startsWith("cohort train: --resume " + dir + ": not a Cohort checkpoint (no"
                + " trainer_state.json"), r.output());
        assertFalse(r.output().contains("cd:"), r.output());
    }
}
