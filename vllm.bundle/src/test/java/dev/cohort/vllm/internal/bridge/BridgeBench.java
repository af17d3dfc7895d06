package dev.cohort.vllm.internal.bridge;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.cohort.api.engine.GenerationRequest;
import dev.cohort.api.engine.GenerationResult;
import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.model.HfCheckpoint;
import dev.cohort.trainer.internal.run.EmbeddedEngine;
import dev.cohort.vllm.internal.protocol.Protocol;
import dev.cohort.vllm.internal.rpc.BridgeLog;
import dev.cohort.vllm.internal.rpc.WorkerException;
import dev.cohort.vllm.internal.rpc.WorkerSettings;
import dev.cohort.vllm.internal.rpc.WorkerState;
import dev.cohort.vllm.internal.testing.Batches;
import dev.cohort.vllm.internal.testing.JavaWorkers;
import dev.cohort.vllm.internal.testing.TinyModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Generation throughput through the bridge with 1 and 2 Java workers against the trainer's
 * EmbeddedEngine in-process (same model, batch and seed; the same number of compute threads in
 * all), and the bridge's overhead per call (health round trip). Run from vllm.bundle:
 * <pre>
 * java -cp target/test-classes:target/classes:(test classpath) dev.cohort.vllm.internal.bridge.BridgeBench [threads]
 * </pre>
 */
public final class BridgeBench {

    private static final int LAYERS = 4;
    private static final int WIDTH = 128;
    private static final int PROMPTS = 64;
    private static final int N = 8;
    private static final int TOKENS = 16;
    private static final int WARMUP = 5;
    private static final int RUNS = 7;

    private BridgeBench() {
    }

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        Path dir = Files.createTempDirectory("bridge-bench");
        Path model = TinyModel.write(dir.resolve("model"), LAYERS, WIDTH, 1);
        GenerationRequest base = Batches.request(PROMPTS, N, TOKENS, 42, 0);
        // no stop token: every completion is TOKENS long, so every configuration does the same work
        GenerationRequest r = new GenerationRequest(base.prompts(), N, TOKENS, 1f, 1f, 0, 0f, 42, 0, new int[0]);
        System.out.printf(Locale.ROOT, "model %d layers x %d wide, vocab %d; batch %d prompts x %d completions x %d tokens"
                + " = %d tokens; %d compute threads per configuration; %s%n", LAYERS, WIDTH, TinyModel.VOCAB, PROMPTS, N,
                TOKENS, PROMPTS * N * TOKENS, threads, System.getProperty("java.vm.name") + " "
                + System.getProperty("java.version") + ", " + Runtime.getRuntime().availableProcessors() + " CPUs");

        GenerationResult reference;
        try (EmbeddedEngine e = new EmbeddedEngine(HfCheckpoint.load(model, new JavaBackend(threads)))) {
            reference = e.generate(r);
            report("embedded (in-process)", time(e::generate, r), r);
        }
        BridgeLog quiet = quiet();
        try (JavaWorkers.Started a = JavaWorkers.start(model, "a", "--threads", String.valueOf(threads));
                WorkerHandle wa = new WorkerHandle(WorkerSettings.at("a", a.address(), 600_000), quiet);
                BridgeEngine engine = new BridgeEngine(quiet, 2, 30_000)) {
            engine.add(wa);
            JavaWorkers.await(wa, WorkerState.HEALTHY, 30_000);
            check(reference, engine.generate(r));
            report("bridge, 1 worker x " + threads + " threads", time(engine::generate, r), r);
            health(wa);
        }
        int per = Math.max(1, threads / 2);
        try (JavaWorkers.Started a = JavaWorkers.start(model, "a", "--threads", String.valueOf(per));
                JavaWorkers.Started b = JavaWorkers.start(model, "b", "--threads", String.valueOf(per));
                WorkerHandle wa = new WorkerHandle(WorkerSettings.at("a", a.address(), 600_000), quiet);
                WorkerHandle wb = new WorkerHandle(WorkerSettings.at("b", b.address(), 600_000), quiet);
                BridgeEngine engine = new BridgeEngine(quiet, 2, 30_000)) {
            engine.add(wa);
            engine.add(wb);
            JavaWorkers.await(wa, WorkerState.HEALTHY, 30_000);
            JavaWorkers.await(wb, WorkerState.HEALTHY, 30_000);
            check(reference, engine.generate(r));
            report("bridge, 2 workers x " + per + " threads", time(engine::generate, r), r);
        }
    }

    private static double[] time(Function<GenerationRequest, GenerationResult> gen, GenerationRequest r) {
        for (int i = 0; i < WARMUP; i++) {
            gen.apply(r);
        }
        double[] ms = new double[RUNS];
        for (int i = 0; i < RUNS; i++) {
            long t0 = System.nanoTime();
            gen.apply(r);
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms;
    }

    private static void report(String what, double[] ms, GenerationRequest r) {
        double median = ms[ms.length / 2];
        int tokens = r.promptCount() * r.n() * r.maxTokens();
        System.out.printf(Locale.ROOT, "%-32s median %8.1f ms per batch (min %8.1f, max %8.1f)  %9.0f tokens/s%n", what,
                median, ms[0], ms[ms.length - 1], tokens / (median / 1000));
    }

    private static void check(GenerationResult expected, GenerationResult actual) {
        Batches.assertSameSamples(expected, actual);
    }

    private static void health(WorkerHandle w) throws WorkerException {
        int warm = 500;
        int count = 5000;
        for (int i = 0; i < warm; i++) {
            w.call(Protocol.HEALTH, JsonNodeFactory.instance.objectNode(), 5_000);
        }
        long[] us = new long[count];
        for (int i = 0; i < count; i++) {
            long t0 = System.nanoTime();
            w.call(Protocol.HEALTH, JsonNodeFactory.instance.objectNode(), 5_000);
            us[i] = (System.nanoTime() - t0) / 1000;
        }
        Arrays.sort(us);
        System.out.printf(Locale.ROOT, "%-32s median %6d us, p99 %6d us, max %6d us over %d calls (loopback)%n",
                "health round trip", us[count / 2], us[(int) (count * 0.99)], us[count - 1], count);
    }

    private static BridgeLog quiet() {
        List<String> none = new ArrayList<>();
        return new BridgeLog() {
            public void debug(String message) {
            }

            public void info(String message) {
            }

            public void warn(String message) {
                none.add(message);
                System.err.println("WARN " + message);
            }
        };
    }
}
