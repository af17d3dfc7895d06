package dev.cohort.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code ./cohort train} as real processes never loses work: the framework is stopped before the
 * process exits (components deactivate), SIGTERM and SIGINT stop the run at a step boundary after
 * a checkpoint and say where, a failed step saves the last good one, a second run of a name gets
 * a folder of its own, a resumed run keeps its id and marks its re-run steps in the trace, and
 * what would fail later (an unwritable output_dir, a missing dataset file, a character the
 * tokenizer does not know) is refused before step 0.
 */
class RunSafetyIT {

    /** A run of the tiny model on the built-in addition task, {@code extra} lines appended. */
    static Path config(Path work, String name, int steps, String... extra) throws Exception {
        Path yaml = work.resolve(name + ".yaml");
        Files.writeString(yaml, String.join("\n", "model: tiny", "tokenizer: char",
                "tokenizer_alphabet: \"0123456789+=\"", "dataset: builtin:addition", "reward_funcs: [accuracy]",
                "num_generations: 4", "per_device_train_batch_size: 8", "max_completion_length: 4",
                "max_steps: " + steps, "run_name: " + name, "output_dir: runs", String.join("\n", extra), ""));
        return yaml;
    }

    private static Path work(String name) throws Exception {
        Path work = Files.createTempDirectory("cohort-" + name);
        Files.createDirectories(work.resolve("deploy"));
        return work;
    }

    /** A reward bundle in deploy/ that writes {@code stopFile} when its bundle stops. */
    private static void deployReward(Path work, String name, Map<String, String> headers) throws Exception {
        TestBundles.write(TestBundles.reward("cohort.itest." + name, "1.0.0", name, "brevity", headers),
                work.resolve("deploy/" + name + ".jar"));
    }

    @Test
    void aFinishedRunStopsTheFrameworkBeforeTheProcessExits() throws Exception {
        Path work = work("finished");
        Path stopped = work.resolve("stopped.txt");
        deployReward(work, "brev", Map.of("Cohort-Test-Stop-File", stopped.toString()));
        Path yaml = config(work, "fin", 3, "reward_funcs: [brev]").toAbsolutePath();
        Files.writeString(yaml, Files.readString(yaml).replace("reward_funcs: [accuracy]\n", ""));
        try (RuntimeProcess p = RuntimeProcess.train(work, yaml, null)) {
            assertEquals(0, p.waitFor(120), p.output());
            assertTrue(p.output().contains("run fin finished at step 3 of 3"), p.output());
            assertTrue(Files.isRegularFile(stopped), "the deployed bundle was not stopped: the framework was not"
                    + " stopped before exit; output:\n" + p.output());
        }
    }

    @Test
    void aRunFailingMidRunSavesItsLastGoodStepAndStopsTheFramework() throws Exception {
        Path work = work("failing");
        Path stopped = work.resolve("stopped.txt");
        deployReward(work, "flaky", Map.of("Cohort-Test-Stop-File", stopped.toString(),
                "Cohort-Test-Fail-From-Step", "3"));
        Path yaml = config(work, "flaky", 10, "reward_funcs: [flaky]", "reward_failure: fail");
        Files.writeString(yaml, Files.readString(yaml).replace("reward_funcs: [accuracy]\n", ""));
        try (RuntimeProcess p = RuntimeProcess.train(work, yaml, null)) {
            assertEquals(1, p.waitFor(120), p.output());
            Path saved = work.resolve("runs/flaky/checkpoint-3").toAbsolutePath();
            assertTrue(p.output().contains("step 4 failed: "), p.output());
            assertTrue(p.output().contains("test reward flaky fails from step 3"), p.output());
            assertTrue(p.output().contains("; the last good step 3 was saved to " + saved), p.output());
            assertTrue(Files.isRegularFile(saved.resolve("trainer_state.json")));
            assertTrue(Files.isRegularFile(stopped), "the framework was not stopped before exit");
        }
    }

    @Test
    void sigtermStopsTheRunAtAStepBoundaryAfterACheckpoint() throws Exception {
        signalStopsTheRun("TERM", 143);
    }

    @Test
    void sigintStopsTheRunAtAStepBoundaryAfterACheckpoint() throws Exception {
        signalStopsTheRun("INT", 130);
    }

    private void signalStopsTheRun(String signal, int exit) throws Exception {
        Path work = work("sig" + signal);
        Path yaml = config(work, "long", 1_000_000);
        Path trace = work.resolve("traces/long.jsonl");
        try (RuntimeProcess p = RuntimeProcess.train(work, yaml, null)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.exists(trace) || Files.readAllLines(trace).size() < 16) {
                assertTrue(System.nanoTime() < deadline && p.isAlive(), "no steps; output:\n" + p.output());
                Thread.sleep(50);
            }
            p.signal(signal);
            assertEquals(exit, p.waitFor(120), p.output());
            Matcher m = Pattern.compile("run long stopped at step (\\d+) of 1000000").matcher(p.output());
            assertTrue(m.find(), p.output());
            Path checkpoint = work.resolve("runs/long/checkpoint-" + m.group(1)).toAbsolutePath();
            assertTrue(p.output().contains("checkpoint: " + checkpoint), p.output());
            assertTrue(Files.isRegularFile(checkpoint.resolve("trainer_state.json")));
            assertTrue(Files.isRegularFile(checkpoint.resolve("model.safetensors")));
        }
    }

    @Test
    void aSecondRunOfANameGetsItsOwnFolderAndAResumeKeepsTheIdAndMarksTheTrace() throws Exception {
        Path work = work("names");
        Path yaml = config(work, "exp", 4, "save_steps: 2");
        try (RuntimeProcess p = RuntimeProcess.train(work, yaml, null)) {
            assertEquals(0, p.waitFor(120), p.output());
        }
        Path first = work.resolve("runs/exp/checkpoint-4/model.safetensors");
        byte[] firstWeights = Files.readAllBytes(first);
        try (RuntimeProcess p = RuntimeProcess.train(work, yaml, null)) {
            assertEquals(0, p.waitFor(120), p.output());
            assertTrue(p.output().contains("run exp-2: run_name 'exp' is taken ("), p.output());
            assertTrue(p.output().contains("this run is 'exp-2' in " + work.toAbsolutePath().resolve("runs/exp-2")),
                    p.output());
            assertTrue(p.output().contains("run exp-2 finished at step 4 of 4"), p.output());
        }
        assertTrue(Files.isRegularFile(work.resolve("runs/exp-2/checkpoint-4/model.safetensors")));
        assertEquals(4 * 8, Files.readAllLines(work.resolve("traces/exp.jsonl")).size(), "the first trace untouched");
        assertEquals(4 * 8, Files.readAllLines(work.resolve("traces/exp-2.jsonl")).size());
        assertTrue(java.util.Arrays.equals(firstWeights, Files.readAllBytes(first)), "the first run's checkpoint kept");

        try (RuntimeProcess p = RuntimeProcess.train(work, yaml, work.resolve("runs/exp/checkpoint-2"))) {
            assertEquals(0, p.waitFor(120), p.output());
            assertTrue(p.output().contains("run exp finished at step 4 of 4"), p.output());
        }
        assertFalse(Files.exists(work.resolve("runs/exp-3")), "a resumed run keeps its id and folder");
        List<String> trace = Files.readAllLines(work.resolve("traces/exp.jsonl"));
        assertEquals(6 * 8, trace.size(), "steps 2 and 3 run again after the first run's four");
        for (int i = 0; i < trace.size(); i++) {
            boolean marked = trace.get(i).contains("\"resumed\":true");
            assertEquals(i >= 32 && i < 40, marked, "line " + i + ": " + trace.get(i));
            if (marked) {
                assertTrue(trace.get(i).contains("\"step\":2,"), trace.get(i));
            }
        }
    }

    @Test
    void anUnwritableOutputDirIsRefusedBeforeStepZero() throws Exception {
        Path work = work("unwritable");
        Files.writeString(work.resolve("occupied"), "a file, not a directory");
        Path yaml = config(work, "ro", 3, "output_dir: occupied/runs");
        Files.writeString(yaml, Files.readString(yaml).replace("output_dir: runs\n", ""));
        try (RuntimeProcess p = RuntimeProcess.train(work, yaml, null)) {
            assertEquals(1, p.waitFor(120), p.output());
            assertTrue(p.output().contains(yaml.toAbsolutePath() + ": output_dir: "
                    + work.toAbsolutePath().resolve("occupied/runs") + " is not writable ("), p.output());
            assertTrue(p.output().contains("); nothing was trained"), p.output());
        }
        assertFalse(Files.exists(work.resolve("traces/ro.jsonl")));
    }

    @Test
    void aDirectoryNamedLikeASizeIsLoadedAndTheRunSaysSo() throws Exception {
        Path work = work("modeldir");
        Path warmup = Path.of(System.getProperty("cohort.examples", "../examples")).resolve("addition/warmup");
        Path tiny = Files.createDirectories(work.resolve("tiny"));
        try (var files = Files.list(warmup)) {
            for (Path f : files.toList()) {
                Files.copy(f, tiny.resolve(f.getFileName()));
            }
        }
        Path yaml = work.resolve("dir.yaml");
        Files.writeString(yaml, String.join("\n", "model: tiny", "dataset: builtin:addition",
                "reward_funcs: [accuracy]", "num_generations: 4", "per_device_train_batch_size: 8",
                "max_completion_length: 4", "max_steps: 1", "run_name: dir", ""));
        try (RuntimeProcess p = RuntimeProcess.train(work, yaml, null)) {
            assertEquals(0, p.waitFor(120), p.output());
            assertTrue(p.output().contains("run dir: model: the checkpoint directory " + tiny.toAbsolutePath()),
                    p.output());
        }
    }

    @Test
    void datasetProblemsAreReportedWithFileAndLineBeforeStepZero() throws Exception {
        Path work = work("dataset");
        Files.write(work.resolve("p.jsonl"), List.of("{\"prompt\":\"1+2=\"}", "{\"prompt\":\"3+4=\"}",
                "{\"prompt\":\"5x6=\"}"));
        Path yaml = config(work, "chars", 30, "dataset: p.jsonl");
        Files.writeString(yaml, Files.readString(yaml).replace("dataset: builtin:addition\n", ""));
        try (RuntimeProcess p = RuntimeProcess.train(work, yaml, null)) {
            assertEquals(1, p.waitFor(120), p.output());
            assertTrue(p.output().contains(work.toAbsolutePath().resolve("p.jsonl")
                    + ":3: character 'x' is not in the tokenizer's alphabet"), p.output());
        }
        assertFalse(Files.exists(work.resolve("traces/chars.jsonl")), "nothing was trained");
        Path missing = config(work, "missing", 3, "eval_dataset: nowhere.jsonl");
        try (RuntimeProcess p = RuntimeProcess.train(work, missing, null)) {
            assertEquals(1, p.waitFor(120), p.output());
            assertTrue(p.output().contains(missing.toAbsolutePath() + ":12: eval_dataset: no such file or directory: "
                    + work.toAbsolutePath().resolve("nowhere.jsonl")), p.output());
        }
    }
}
