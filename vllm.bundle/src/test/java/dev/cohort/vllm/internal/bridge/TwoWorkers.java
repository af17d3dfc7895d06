package dev.cohort.vllm.internal.bridge;

import dev.cohort.api.engine.GenerationRequest;
import dev.cohort.api.engine.GenerationResult;
import dev.cohort.api.engine.RolloutEngine;
import dev.cohort.vllm.internal.rpc.BridgeLog;
import dev.cohort.vllm.internal.rpc.WorkerSettings;
import dev.cohort.vllm.internal.rpc.WorkerState;
import dev.cohort.vllm.internal.testing.JavaWorkers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * For benchmarks: two Java worker processes (each with its own heap and compute threads) behind
 * a {@link BridgeEngine}, as a {@link RolloutEngine} whose weights arrive through loadWeights,
 * as the trainer's bridge runs get them. Closing stops the engine and the processes.
 */
public final class TwoWorkers implements RolloutEngine, AutoCloseable {

    private final List<Process> processes = new ArrayList<>();
    private final List<WorkerHandle> handles = new ArrayList<>();
    private final BridgeEngine engine;

    /** Workers started from the Hugging Face directory {@code model}, {@code threads} each, heap {@code xmx}. */
    public TwoWorkers(Path model, int threads, String xmx) throws IOException, InterruptedException {
        BridgeLog log = new BridgeLog() {
            public void debug(String message) {
            }

            public void info(String message) {
            }

            public void warn(String message) {
                System.err.println("WARN " + message);
            }
        };
        engine = new BridgeEngine(log, 2, 60_000);
        try {
            for (String id : List.of("a", "b")) {
                int port = start(model, id, threads, xmx);
                WorkerHandle h = new WorkerHandle(WorkerSettings.at(id, "127.0.0.1:" + port, 600_000), log);
                handles.add(h);
                engine.add(h);
                JavaWorkers.await(h, WorkerState.HEALTHY, 120_000);
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private int start(Path model, String id, int threads, String xmx) throws IOException {
        List<String> cmd = new ArrayList<>(JavaWorkers.command(model, id, "--threads", String.valueOf(threads)));
        cmd.replaceAll(a -> a.startsWith("-Xmx") ? "-Xmx" + xmx : a);
        Path log = model.toAbsolutePath().getParent().resolve("worker-" + id + ".log");
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        processes.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String first = out.readLine();
        if (first == null || !first.startsWith("listening on ")) {
            throw new IOException("worker " + id + " did not start (see " + log + "): first line " + first);
        }
        Thread drain = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // keep the pipe empty
                }
            } catch (IOException ignored) {
                // process gone
            }
        }, "bench-worker-" + id + "-stdout");
        drain.setDaemon(true);
        drain.start();
        return Integer.parseInt(first.substring("listening on ".length()).trim());
    }

    @Override
    public GenerationResult generate(GenerationRequest request) {
        return engine.generate(request);
    }

    @Override
    public void loadWeights(Path directory, long version) throws IOException {
        engine.loadWeights(directory, version);
    }

    @Override
    public long weightsVersion() {
        return engine.weightsVersion();
    }

    @Override
    public void close() {
        for (WorkerHandle h : handles) {
            h.close();
        }
        engine.close();
        for (Process p : processes) {
            p.destroyForcibly();
        }
    }
}
