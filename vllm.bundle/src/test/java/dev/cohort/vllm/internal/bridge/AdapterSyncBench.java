package dev.cohort.vllm.internal.bridge;

import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.checkpoint.DType;
import dev.cohort.trainer.internal.model.HfCheckpoint;
import dev.cohort.trainer.internal.model.LoraAdapter;
import dev.cohort.trainer.internal.model.LoraConfig;
import dev.cohort.trainer.internal.model.ModelConfig;
import dev.cohort.trainer.internal.model.ModelInit;
import dev.cohort.trainer.internal.model.PeftAdapter;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.vllm.internal.rpc.BridgeLog;
import dev.cohort.vllm.internal.rpc.WorkerSettings;
import dev.cohort.vllm.internal.rpc.WorkerState;
import dev.cohort.vllm.internal.testing.JavaWorkers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One weight sync through the bridge to a Java worker process, as a run does it (write the
 * directory, then loadWeights until the worker has it): full weights (F32 checkpoint,
 * load_weights) against LoRA adapters only (PEFT directory, load_adapter over a base the worker
 * loaded once), on a named random shape (default qwen2.5-0.5b; LoRA r32 on all linear layers).
 * Medians of {@code runs} syncs of each after one warm-up full sync, same run. From vllm.bundle:
 * <pre>
 * java -Xmx8g [-Dworker.heap=10g] -cp target/test-classes:target/classes:(test classpath) dev.cohort.vllm.internal.bridge.AdapterSyncBench [shape] [runs]
 * </pre>
 */
public final class AdapterSyncBench {

    private AdapterSyncBench() {
    }

    public static void main(String[] args) throws Exception {
        String shape = args.length > 0 ? args[0] : "qwen2.5-0.5b";
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path dir = Files.createTempDirectory("adapter-sync-bench");
        ModelConfig cfg = ModelConfig.named(shape);
        BridgeLog quiet = quiet();
        try (PolicyModel m = new PolicyModel(new JavaBackend(2), cfg)) {
            ModelInit.initialize(m, 1);
            Path base = dir.resolve("base");
            HfCheckpoint.save(m, base, DType.F32);
            // the tests' worker heap (512 MiB) holds no 0.5B model: the worker gets WORKER_HEAP
            String command = JavaWorkers.commandLine(base, "a", "--threads", "2").replace("'-Xmx512m'",
                    "'-Xmx" + System.getProperty("worker.heap", "10g") + "'");
            try (WorkerHandle wa = new WorkerHandle(WorkerSettings.launched("a", command, 600_000)
                    // a 2 GB load's GC pauses can stall the heartbeat past the default 5 s on a busy machine
                    .withLiveness(120_000), quiet);
                    BridgeEngine engine = new BridgeEngine(quiet, 0, 600_000)) {
                engine.add(wa);
                JavaWorkers.await(wa, WorkerState.HEALTHY, 600_000);
                long version = 0;
                Path warm = dir.resolve("warm-up");
                HfCheckpoint.save(m, warm, DType.F32);
                engine.loadWeights(warm, ++version); // first load: class loading, JIT, page cache
                deleteTree(warm);
                double[] full = new double[runs];
                for (int i = 0; i < runs; i++) {
                    Path d = dir.resolve("full" + i);
                    long t0 = System.nanoTime();
                    HfCheckpoint.save(m, d, DType.F32);
                    engine.loadWeights(d, ++version);
                    full[i] = (System.nanoTime() - t0) / 1e6;
                    deleteTree(d);
                }
                m.attach(new LoraAdapter(m.backend(), cfg, new LoraConfig(32, 64, 0, List.of(LoraConfig.ALL_LINEAR),
                        false), 2));
                PeftAdapter.save(m, dir.resolve("first"), base.toString());
                engine.loadWeights(dir.resolve("first"), ++version); // the base is already the worker's --model
                double[] adapter = new double[runs];
                for (int i = 0; i < runs; i++) {
                    Path d = dir.resolve("adapter" + i);
                    long t0 = System.nanoTime();
                    PeftAdapter.save(m, d, base.toString());
                    engine.loadWeights(d, ++version);
                    adapter[i] = (System.nanoTime() - t0) / 1e6;
                }
                long adapterBytes = Files.size(dir.resolve("adapter0").resolve(PeftAdapter.WEIGHTS));
                double f = median(full);
                double ad = median(adapter);
                System.out.printf(Locale.ROOT, "%s (%d parameters), LoRA r32 all-linear (%d adapter bytes); %d syncs"
                        + " each%nfull sync median %.1f ms %s%nadapter sync median %.1f ms %s%nratio full/adapter %.1f%n",
                        shape, m.layout().total(), adapterBytes, runs, f, Arrays.toString(full), ad,
                        Arrays.toString(adapter), f / ad);
            }
        } finally {
            deleteTree(dir);
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static void deleteTree(Path d) throws java.io.IOException {
        try (var files = Files.walk(d)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static BridgeLog quiet() {
        return new BridgeLog() {
            public void debug(String message) {
            }

            public void info(String message) {
            }

            public void warn(String message) {
                System.err.println("WARN " + message);
            }
        };
    }
}
