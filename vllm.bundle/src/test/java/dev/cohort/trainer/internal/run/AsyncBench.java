package dev.cohort.trainer.internal.run;

import dev.cohort.api.engine.GenerationRequest;
import dev.cohort.api.engine.GenerationResult;
import dev.cohort.api.engine.RolloutEngine;
import dev.cohort.api.reward.RewardInput;
import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.checkpoint.DType;
import dev.cohort.trainer.internal.config.RunConfig;
import dev.cohort.trainer.internal.config.RunConfigParser;
import dev.cohort.trainer.internal.model.HfCheckpoint;
import dev.cohort.trainer.internal.reward.RewardColumns;
import dev.cohort.trainer.internal.reward.RewardScoring;
import dev.cohort.trainer.internal.reward.RewardSpec;
import dev.cohort.trainer.internal.reward.ScoringPolicy;
import dev.cohort.trainer.internal.task.Grading;
import dev.cohort.trainer.internal.tokenizer.TokenizerFiles;
import dev.cohort.vllm.internal.bridge.TwoWorkers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Synchronous against asynchronous GRPO ({@code async_prefetch}) in the same JVM, taking turns:
 * steps per minute, the fraction of wall time the policy update is idle and the fraction the
 * generator is idle (the workers, measured around the bridge's generate calls; with the embedded
 * engine the loop's own time/generation). Two configurations: the quick start (embedded engine,
 * examples/quickstart.yaml) and a GPT-2-small shape (124M, random initialisation, GPT-2's BPE,
 * examples/data/arithmetic.jsonl) through the bridge with two Java worker processes. It lives in
 * vllm.bundle's tests, in the trainer's package, because it needs both the trainer's loop and
 * the bridge; the build does not run it. From vllm.bundle, after {@code mvn -q -o test-compile}:
 * <pre>
 * java -Xmx8g -cp "target/test-classes:target/classes:$(cat target/bench.cp)" \
 *     dev.cohort.trainer.internal.run.AsyncBench quickstart|bridge STEPS REPEATS
 * </pre>
 * ({@code mvn -q -o dependency:build-classpath -Dmdep.outputFile=target/bench.cp} writes the
 * class path; the workers are launched on the same one.) A fourth argument sets the bridge
 * configuration's max_completion_length (default 16); {@code -Dbench.depth} and
 * {@code -Dbench.staleness} set the asynchronous runs' prefetch_depth and max_staleness (1).
 *
 * <p>Separate hardware for generation and update, as with workers on their own GPUs: start the
 * JVM under {@code taskset -c 1} (the trainer and its producer see one processor) and pass
 * {@code -Dbench.workerCpus=0}, which moves the worker processes, every thread, to processor 0
 * once they have started.
 */
public final class AsyncBench {

    /**
     * One run: steps per minute, the idle fractions, and seconds per step of the loop's
     * generation (with the bridge: from the request to the scored batch's log-probs), scoring,
     * update, and of the engine's generate and loadWeights calls (0 for the embedded engine).
     */
    record Outcome(double stepsPerMinute, double updateIdle, double generatorIdle, double reward, double generation,
            double scoring, double update, double engineGenerate, double engineLoad) {
    }

    private AsyncBench() {
    }

    public static void main(String[] args) throws Exception {
        String which = args.length > 0 ? args[0] : "quickstart";
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        System.out.printf(Locale.ROOT, "%s, %d steps per run, %d runs per mode; %s %s, %d CPUs%n", which, steps,
                repeats, System.getProperty("java.vm.name"), System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());
        if (which.equals("quickstart")) {
            RunConfig c = RunConfigParser.parse(Path.of("../examples/quickstart.yaml"));
            compare(c, steps, repeats, null);
        } else {
            Path dir = Files.createTempDirectory("async-bench");
            int completion = args.length > 3 ? Integer.parseInt(args[3]) : 16;
            RunConfig c = RunConfigParser.parse(bridgeYaml(completion), "bridge.yaml", Path.of("../examples"));
            Path model = dir.resolve("model");
            try (JavaBackend be = new JavaBackend(1)) {
                RunSetup.ModelAndTokenizer mt = RunSetup.load(c, be);
                HfCheckpoint.save(mt.model(), model, DType.F32);
                TokenizerFiles.write(model, mt.tok());
                mt.model().close();
            }
            try (TwoWorkers workers = new TwoWorkers(model, 1, "3g")) {
                pinWorkers(System.getProperty("bench.workerCpus"));
                compare(c, steps, repeats, workers);
            } finally {
                deleteTree(dir);
            }
        }
    }

    /** Moves every thread of this JVM's child processes (the workers) to {@code cpus} (taskset's list). */
    private static void pinWorkers(String cpus) throws IOException, InterruptedException {
        if (cpus == null) {
            return;
        }
        for (ProcessHandle child : (Iterable<ProcessHandle>) ProcessHandle.current().children()::iterator) {
            Process p = new ProcessBuilder("taskset", "-a", "-c", "-p", cpus, Long.toString(child.pid()))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (p.waitFor() != 0) {
                throw new IOException("taskset of worker " + child.pid() + " to CPUs " + cpus + " failed");
            }
            System.out.printf(Locale.ROOT, "worker %d pinned to CPUs %s%n", child.pid(), cpus);
        }
    }

    /** A GPT-2-small shape on the arithmetic prompts; the engine is the bridge. */
    static String bridgeYaml(int maxCompletionLength) {
        return """
                model: gpt2
                tokenizer: gpt2
                dataset: data/arithmetic.jsonl
                dataset_prompt_field: prompt
                reward_funcs: [accuracy]
                rollout_engine: vllm
                num_generations: 4
                per_device_train_batch_size: 8
                max_prompt_length: 32
                max_completion_length: %d
                learning_rate: 0.00001
                lr_scheduler_type: constant
                max_steps: 1000
                seed: 7
                """.formatted(maxCompletionLength);
    }

    private static void compare(RunConfig c, int steps, int repeats, RolloutEngine remote) throws Exception {
        List<Outcome> sync = new ArrayList<>();
        List<Outcome> async = new ArrayList<>();
        for (int r = 0; r < repeats; r++) {
            sync.add(report("sync", run(c, steps, false, remote)));
            async.add(report("async", run(c, steps, true, remote)));
        }
        double s = median(sync, Outcome::stepsPerMinute);
        double a = median(async, Outcome::stepsPerMinute);
        System.out.printf(Locale.ROOT, "median steps/min: sync %.1f, async %.1f, async/sync %.2fx%n", s, a, a / s);
        System.out.printf(Locale.ROOT, "median update idle: sync %.2f, async %.2f; generator idle: sync %.2f,"
                + " async %.2f%n", median(sync, Outcome::updateIdle), median(async, Outcome::updateIdle),
                median(sync, Outcome::generatorIdle), median(async, Outcome::generatorIdle));
    }

    private static Outcome report(String mode, Outcome o) {
        System.out.printf(Locale.ROOT, "%-5s %7.1f steps/min  update idle %.2f  generator idle %.2f  reward %.3f"
                + "  s/step: generation %.2f scoring %.2f update %.2f engine generate %.2f load %.2f%n",
                mode, o.stepsPerMinute(), o.updateIdle(), o.generatorIdle(), o.reward(), o.generation(), o.scoring(),
                o.update(), o.engineGenerate(), o.engineLoad());
        return o;
    }

    private static double median(List<Outcome> xs, java.util.function.ToDoubleFunction<Outcome> f) {
        double[] v = xs.stream().mapToDouble(f).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** One run of {@code steps} from the configuration's model; {@code remote} null means embedded. */
    static Outcome run(RunConfig c, int steps, boolean async, RolloutEngine remote) throws Exception {
        Path runDir = Files.createTempDirectory("async-bench-run");
        try (JavaBackend be = new JavaBackend(Runtime.getRuntime().availableProcessors())) {
            RunSetup.ModelAndTokenizer mt = RunSetup.load(c, be);
            List<Map<String, Object>> rows = Datasets.rows(c.dataset(), c.datasetPromptField(), false);
            TrainerSettings s = RunSetup.settings(c, "bench", steps, 0, 1, runDir)
                    .withAsync(new AsyncSettings(async, Integer.getInteger("bench.depth", 1),
                            Integer.getInteger("bench.staleness", 1), 1));
            double[] sums = new double[4]; // update, generation, reward, scoring
            Timed timed = remote == null ? null : new Timed(remote);
            try (EmbeddedEngine embedded = new EmbeddedEngine(mt.model())) {
                RolloutEngine engine = timed != null ? timed : embedded;
                GrpoTrainer t = new GrpoTrainer(s, mt.model(), null, mt.tok(),
                        new PromptSource(rows, c.datasetPromptField(), c.seed()), engine, new Accuracy(), null, null,
                        c.toMap(), m -> {
                            sums[0] += m.get("time/update");
                            sums[1] += m.get("time/generation");
                            sums[2] += m.get("reward");
                            sums[3] += m.get("time/scoring");
                        });
                long t0 = System.nanoTime();
                t.run(() -> false);
                double wall = (System.nanoTime() - t0) / 1e9;
                double generating = timed != null ? timed.busy / 1e9 : sums[1];
                return new Outcome(steps / wall * 60, 1 - sums[0] / wall, 1 - generating / wall, sums[2] / steps,
                        sums[1] / steps, sums[3] / steps, sums[0] / steps, timed != null ? timed.busy / 1e9 / steps : 0,
                        timed != null ? timed.loading / 1e9 / steps : 0);
            } finally {
                mt.model().close();
            }
        } finally {
            deleteTree(runDir);
        }
    }

    /** The engine, with the time spent inside its generate calls (the workers' busy time). */
    static final class Timed implements RolloutEngine {
        final RolloutEngine inner;
        volatile long busy;
        volatile long loading;

        Timed(RolloutEngine inner) {
            this.inner = inner;
        }

        @Override
        public GenerationResult generate(GenerationRequest request) {
            long t0 = System.nanoTime();
            try {
                return inner.generate(request);
            } finally {
                busy += System.nanoTime() - t0;
            }
        }

        @Override
        public void loadWeights(Path directory, long version) throws IOException {
            long t0 = System.nanoTime();
            try {
                inner.loadWeights(directory, version);
            } finally {
                loading += System.nanoTime() - t0;
            }
        }

        @Override
        public long weightsVersion() {
            return inner.weightsVersion();
        }
    }

    /** The accuracy reward in process: 1 when the completion's last number is the row's answer. */
    static final class Accuracy implements RewardScoring {
        @Override
        public RewardColumns score(List<RewardSpec> specs, RewardInput input, ScoringPolicy policy) {
            double[] r = new double[input.size()];
            for (int i = 0; i < r.length; i++) {
                Object answer = input.rows().get(i).get("answer");
                r[i] = answer == null ? Double.NaN : Grading.grade(input.completions().get(i), answer);
            }
            return new RewardColumns(List.of("accuracy"), new double[][] {r}, new double[] {1});
        }

        @Override
        public List<RewardStatus> functions() {
            return List.of();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
