package dev.cohort.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The exported runtime in headless training mode, as {@code ./cohort train} and
 * {@code ./cohort quickstart} run it: exit 0 with a report on success, 1 with the problems of
 * an invalid file, and the quick start's real learning (held-out reward up by at least 0.2).
 */
class HeadlessTrainIT {

    record Result(int exit, String output) {
    }

    static Result train(Path config, Path work, long timeoutSeconds, String... jvmOptions) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new java.util.ArrayList<>(List.of(java.toString()));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-Dgosh.args=--nointeractive", "-Dcohort.train=" + config.toAbsolutePath(),
                "-Dcohort.exit=true", "-jar", LauncherIT.runJar().toAbsolutePath().toString()));
        Process p = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(timeoutSeconds, TimeUnit.SECONDS), "training did not end");
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void aShortRunExitsZeroWithItsReport() throws Exception {
        Path work = Files.createTempDirectory("cohort-headless");
        Path yaml = work.resolve("short.yaml");
        Files.writeString(yaml, String.join("\n", "model: tiny", "tokenizer: char", "tokenizer_alphabet: \"0123456789+=\"",
                "dataset: builtin:addition", "eval_dataset: builtin:addition", "eval_samples: 16",
                "reward_funcs: [accuracy]", "num_generations: 4", "per_device_train_batch_size: 8",
                "max_completion_length: 4", "max_steps: 4", "logging_steps: 2", "run_name: short", ""));
        Result r = train(yaml, work, 120);
        assertEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("run short finished at step 4 of 4"), r.output());
        assertTrue(r.output().contains("\nstep 2/4 | reward ") && r.output().contains("\nstep 4/4 | reward ")
                && !r.output().contains("\nstep 3/4 "), "a line per logging step:\n" + r.output());
        assertTrue(r.output().matches("(?s).*held-out reward: before=\\d\\.\\d{3} after=\\d\\.\\d{3}\n.*"), r.output());
        assertTrue(Files.isRegularFile(work.resolve("runs/short/checkpoint-4/model.safetensors")));
        List<String> trace = Files.readAllLines(work.resolve("traces/short.jsonl"));
        assertEquals(4 * 8, trace.size(), "trace-jsonl wrote every sample of every step");
        RunOutputs.check(work.resolve("runs/short"), 4, 2, yaml);
    }

    /**
     * With the JVM option ./cohort passes, the trainer bundle inside Felix reaches the incubator
     * module (its optional import, wired to the system bundle's boot-layer export) and computes
     * with the Vector API kernel, or says why not: never the fallback for a missing module.
     */
    @Test
    void insideTheRuntimeTheVectorKernelIsWiredWhenTheJvmHasTheModule() throws Exception {
        Path work = Files.createTempDirectory("cohort-vector");
        Path yaml = work.resolve("v.yaml");
        Files.writeString(yaml, String.join("\n", "model: tiny", "tokenizer: char", "tokenizer_alphabet: \"0123456789+=\"",
                "dataset: builtin:addition", "eval_dataset: builtin:addition", "eval_samples: 8",
                "reward_funcs: [accuracy]", "num_generations: 4", "per_device_train_batch_size: 8",
                "max_completion_length: 4", "max_steps: 1", "run_name: v", ""));
        Result r = train(yaml, work, 120, "--add-modules", "jdk.incubator.vector");
        assertEquals(0, r.exit(), r.output());
        assertFalse(r.output().contains("needs --add-modules"), r.output());
        assertTrue(r.output().contains("matrix products: Vector API kernel, ")
                || r.output().contains("matrix products: plain Java kernel (the Vector API kernel needs 16 float lanes"),
                r.output());
    }

    @Test
    void anInvalidFileExitsOneNamingEveryProblem() throws Exception {
        Path work = Files.createTempDirectory("cohort-headless-bad");
        Path yaml = work.resolve("bad.yaml");
        Files.writeString(yaml, "model: tiny\ndataset: builtin:addition\nreward_funcs: [accuracy]\nmax_steps: 0\n"
                + "temprature: 0.7\n");
        Result r = train(yaml, work, 60);
        assertEquals(1, r.exit(), r.output());
        assertTrue(r.output().contains(yaml + ":4: max_steps: must be >= 1, got 0"), r.output());
        assertTrue(r.output().contains(yaml + ":5: temprature: unknown key; did you mean temperature?"), r.output());
    }

    @Test
    void reportToNamingAListenerThatIsNotInstalledIsRefusedBeforeStepZero() throws Exception {
        Path work = Files.createTempDirectory("cohort-headless-report");
        Path yaml = work.resolve("report.yaml");
        Files.writeString(yaml, "model: tiny\ntokenizer: char\ntokenizer_alphabet: \"0123456789+=\"\n"
                + "dataset: builtin:addition\nreward_funcs: [accuracy]\nmax_steps: 2\nreport_to: [tensorboard, wandb]\n"
                + "run_name: report\n");
        Result r = train(yaml, work, 120);
        assertEquals(1, r.exit(), r.output());
        assertTrue(r.output().contains(yaml + ":7: report_to: wandb: no training listener of that name is registered"),
                r.output());
        assertTrue(!Files.exists(work.resolve("runs/report")), "nothing was started");
    }

    @Test
    void theQuickStartRaisesTheHeldOutRewardByAtLeastPointTwo() throws Exception {
        Path work = Files.createTempDirectory("cohort-quickstart");
        Path examples = Path.of(System.getProperty("cohort.examples", "../examples")).toAbsolutePath().normalize();
        Path yaml = work.resolve("quickstart.yaml");
        Files.writeString(yaml, Files.readString(examples.resolve("quickstart.yaml"))
                .replace("model: addition/warmup", "model: " + examples.resolve("addition/warmup"))
                .replace("output_dir: ../runs", "output_dir: runs"));
        long t0 = System.nanoTime();
        Result r = train(yaml, work, 600);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(0, r.exit(), r.output());
        Matcher m = Pattern.compile("held-out reward: before=(\\d\\.\\d+) after=(\\d\\.\\d+)").matcher(r.output());
        assertTrue(m.find(), r.output());
        double before = Double.parseDouble(m.group(1));
        double after = Double.parseDouble(m.group(2));
        assertTrue(after - before >= 0.2, "held-out reward " + before + " -> " + after);
        System.out.printf("quick start: held-out reward %.3f -> %.3f in %.0f s%n", before, after, seconds);
        assertEquals(1, count(r.output(), "held-out reward: "), "exactly one held-out line");
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }


    @Test
    void aLoraRunSavesPeftAdaptersAndResumesFromThem() throws Exception {
        Path work = Files.createTempDirectory("cohort-lora");
        Path yaml = work.resolve("lora.yaml");
        Files.writeString(yaml, String.join("\n", "model: tiny-qwen2", "tokenizer: char",
                "tokenizer_alphabet: \"0123456789+=\"", "dataset: builtin:addition", "reward_funcs: [accuracy]",
                "num_generations: 4", "per_device_train_batch_size: 8", "max_completion_length: 4", "max_steps: 4",
                "save_steps: 2", "beta: 0.04", "adapter: lora", "lora_r: 4", "lora_target_modules: all-linear",
                "run_name: lora", "output_dir: runs", ""));
        try (RuntimeProcess p = RuntimeProcess.train(work, yaml, null)) {
            assertEquals(0, p.waitFor(120), p.output());
        }
        Path two = work.resolve("runs/lora/checkpoint-2");
        for (String file : List.of("adapter_config.json", "adapter_model.safetensors", "optimizer.safetensors")) {
            assertTrue(Files.isRegularFile(two.resolve(file)), file + " missing from " + two);
        }
        assertTrue(!Files.exists(two.resolve("model.safetensors")), "a LoRA checkpoint holds the adapters only");
        byte[] first = Files.readAllBytes(work.resolve("runs/lora/checkpoint-4/adapter_model.safetensors"));
        // resumed from step 2, the run reaches the same adapters at step 4 (lora_dropout 0: exact)
        try (RuntimeProcess p = RuntimeProcess.train(work, yaml, two)) {
            assertEquals(0, p.waitFor(120), p.output());
            assertTrue(p.output().contains("run lora finished at step 4 of 4"), p.output());
        }
        assertTrue(java.util.Arrays.equals(first,
                Files.readAllBytes(work.resolve("runs/lora/checkpoint-4/adapter_model.safetensors"))),
                "the resumed run's adapters differ from the uninterrupted run's");
    }
}
