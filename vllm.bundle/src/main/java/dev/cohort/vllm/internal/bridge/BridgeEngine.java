package dev.cohort.vllm.internal.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.cohort.api.engine.GenerationRequest;
import dev.cohort.api.engine.GenerationResult;
import dev.cohort.vllm.internal.protocol.Protocol;
import dev.cohort.vllm.internal.rpc.BridgeLog;
import dev.cohort.vllm.internal.rpc.WorkerException;
import dev.cohort.vllm.internal.rpc.WorkerState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * The plain core of the {@code vllm} rollout engine: splits a batch's prompts across the healthy
 * workers in contiguous chunks, calls them in parallel and reassembles the completions in prompt
 * order. A chunk whose worker fails (error reply, deadline, silence, lost connection, a reply that
 * does not fit its request) moves to another healthy worker, at most {@code maxRetries} times;
 * when no worker is healthy it waits up to {@code workerWaitMs} for one to come back (relaunched
 * or reconnected). Every call has a deadline, so nothing waits for ever; when a chunk finds no
 * worker, generate throws naming every worker, its state and why it failed.
 */
public final class BridgeEngine implements AutoCloseable {

    private final BridgeLog log;
    private final List<WorkerHandle> workers = new CopyOnWriteArrayList<>();
    private final ExecutorService pool;
    private final Capacity capacity;
    private volatile int maxRetries;
    private volatile long version = -1;
    private volatile int vocab;

    public BridgeEngine(BridgeLog log, int maxRetries, long workerWaitMs) {
        this.log = log;
        this.maxRetries = maxRetries;
        this.capacity = new Capacity(workers, workerWaitMs);
        AtomicInteger count = new AtomicInteger();
        this.pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "cohort-vllm-call-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** New settings, taken by the next call (a call under way keeps its own). */
    public void configure(int newMaxRetries, long newWorkerWaitMs) {
        this.maxRetries = newMaxRetries;
        capacity.waitMs(newWorkerWaitMs);
    }

    /** How many workers are configured (e.g. factory configurations): start-up waits for them all. */
    public void expectWorkers(IntSupplier configured) {
        capacity.expect(configured);
    }

    public void add(WorkerHandle w) {
        workers.add(w);
    }

    public void remove(WorkerHandle w) {
        workers.remove(w);
    }

    /** A copy of the workers, in the order they came. */
    public List<WorkerHandle> workers() {
        return List.copyOf(workers);
    }

    /** The version last loaded with {@link #loadWeights}; -1 before the first. */
    public long weightsVersion() {
        return version;
    }

    // ---------------------------------------------------------------- generate

    public GenerationResult generate(GenerationRequest r) {
        List<WorkerHandle> ready = capacity.ready(r.weightsVersion());
        if (ready.isEmpty()) {
            throw new IllegalStateException("vllm engine: no worker became healthy within " + capacity.waitMs()
                    + " ms; " + new Failures().describe(workers()));
        }
        List<Chunk> chunks = Chunk.split(r.promptCount(), ready.size());
        Failures failures = new Failures();
        List<CompletableFuture<List<GenerationResult.Completion>>> futures = new ArrayList<>(chunks.size());
        for (int j = 0; j < chunks.size(); j++) {
            Chunk c = chunks.get(j);
            WorkerHandle first = ready.get(j);
            futures.add(CompletableFuture.supplyAsync(() -> serve(c, first, r, failures), pool));
        }
        List<GenerationResult.Completion> out = new ArrayList<>(r.promptCount() * r.n());
        List<String> failed = new ArrayList<>();
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budgetMs());
        for (int j = 0; j < chunks.size(); j++) {
            Chunk c = chunks.get(j);
            try {
                out.addAll(futures.get(j).get(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (ExecutionException | TimeoutException e) {
                futures.get(j).cancel(true);
                failed.add("[" + c.from() + ", " + c.to() + ")");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("vllm engine: interrupted while generating", e);
            }
        }
        if (!failed.isEmpty()) {
            throw new IllegalStateException("vllm engine: generate of " + r.promptCount() + " prompts x " + r.n()
                    + " failed: no worker was left for prompts " + String.join(", ", failed) + "; "
                    + failures.describe(workers()));
        }
        return new GenerationResult(out, r.weightsVersion());
    }

    /** Every try may wait for capacity and then run to its deadline; a margin on top. */
    private long budgetMs() {
        long maxCall = 1;
        for (WorkerHandle w : workers()) {
            maxCall = Math.max(maxCall, w.settings().callTimeoutMs());
        }
        return (maxRetries + 1L) * (maxCall + capacity.waitMs()) + 5_000;
    }

    /** Serves one chunk, moving it to another worker (or a worker's new connection) after each failure. */
    private List<GenerationResult.Completion> serve(Chunk c, WorkerHandle first, GenerationRequest r, Failures failures) {
        Set<String> tried = new HashSet<>();
        WorkerHandle w = first;
        String where = "prompts [" + c.from() + ", " + c.to() + ")";
        for (int attempt = 0;; attempt++) {
            tried.add(Capacity.key(w));
            try {
                JsonNode result = w.call(Protocol.GENERATE, c.params(r));
                try {
                    return c.completions(result, r, vocab);
                } catch (IllegalArgumentException e) {
                    throw new WorkerException(w.id(), -1, Protocol.GENERATE, WorkerException.Cause.BAD_RESULT, null,
                            "reply does not fit its request: " + e.getMessage());
                }
            } catch (WorkerException e) {
                failures.add(w.id(), e.reason());
                WorkerHandle next = attempt < maxRetries ? capacity.another(tried, r.weightsVersion()) : null;
                String then = next != null ? "; retrying on worker " + next.id()
                        : attempt < maxRetries ? "; no other healthy worker to retry on" : "; no retries left";
                if (e.why() == WorkerException.Cause.ERROR_REPLY || e.why() == WorkerException.Cause.BAD_RESULT) {
                    log.warn("vllm engine: " + e.getMessage() + " for " + where + then);
                } else {
                    // the client has already warned about the deadline, the silence or the lost connection
                    log.info("vllm engine: " + e.getMessage() + " for " + where + then);
                }
                if (next == null) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
                w = next;
            }
        }
    }

    // ---------------------------------------------------------------- weights

    /**
     * Loads {@code dir} as {@code version} on every healthy worker in parallel (a directory with
     * PEFT's adapter_config.json by load_adapter over its base_model_name_or_path, refused at once
     * when a healthy worker lacks that capability; else by load_weights) and has every other
     * worker brought to it by its supervisor when it is back; then sends each worker that loaded
     * it reset_prefix_cache (fire and forget). When no worker could load it now, waits (bounded by
     * worker_wait_ms) for a worker to come back and be brought to it; only then does this throw.
     */
    public void loadWeights(Path dir, long newVersion) throws IOException {
        capacity.ready(Long.MIN_VALUE); // start-up: wait (bounded) for the configured workers
        Path abs = dir.toAbsolutePath().normalize();
        WorkerHandle.Weights target = new WorkerHandle.Weights(abs, newVersion, ModelFiles.adapterBase(abs));
        vocab = ModelFiles.vocabSize(target.adapter() ? target.base() : abs, log);
        List<WorkerHandle> healthy = new ArrayList<>();
        for (WorkerHandle w : workers()) {
            if (target.adapter() && w.state() == WorkerState.HEALTHY
                    && !w.capabilities().contains(Protocol.LOAD_ADAPTER)) {
                throw new IOException("vllm engine: worker " + w.id() + " cannot load LoRA adapters: its hello does"
                        + " not list the capability " + Protocol.LOAD_ADAPTER + " (it lists " + w.capabilities()
                        + "); update the worker, or train without adapter: lora to sync full weights");
            }
            if (w.state() == WorkerState.HEALTHY) {
                healthy.add(w);
            } else {
                w.desire(target);
            }
        }
        Failures failures = new Failures();
        List<WorkerHandle> loaded = loadOn(healthy, target, failures);
        if (loaded.isEmpty() && !workers.isEmpty()) {
            loaded = capacity.awaitVersion(newVersion); // a returning worker is brought to it by its supervisor
        }
        if (loaded.isEmpty()) {
            throw new IOException("vllm engine: no worker loaded weights version " + newVersion + " from " + abs
                    + " within " + capacity.waitMs() + " ms; " + failures.describe(workers()));
        }
        version = newVersion;
        for (WorkerHandle w : loaded) {
            resetPrefixCache(w);
        }
    }

    private List<WorkerHandle> loadOn(List<WorkerHandle> targets, WorkerHandle.Weights target, Failures failures) {
        long newVersion = target.version();
        List<CompletableFuture<String>> loads = new ArrayList<>();
        for (WorkerHandle w : targets) {
            loads.add(CompletableFuture.supplyAsync(() -> {
                try {
                    w.load(target);
                    return null;
                } catch (WorkerException e) {
                    return e.reason();
                }
            }, pool));
        }
        List<WorkerHandle> loaded = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            String error = loads.get(i).join();
            if (error == null) {
                loaded.add(targets.get(i));
            } else {
                failures.add(targets.get(i).id(), error);
                log.warn("vllm engine: worker " + targets.get(i).id() + ": " + target.method() + " of version "
                        + newVersion + " failed: " + error + "; the worker is brought to it when it next answers");
            }
        }
        return loaded;
    }

    /** Sends reset_prefix_cache to every connected worker; returns how many it reached. */
    public int resetPrefixCache() {
        int sent = 0;
        for (WorkerHandle w : workers()) {
            sent += resetPrefixCache(w) ? 1 : 0;
        }
        return sent;
    }

    private boolean resetPrefixCache(WorkerHandle w) {
        try {
            w.fireAndForget(Protocol.RESET_PREFIX_CACHE, JsonNodeFactory.instance.objectNode());
            return true;
        } catch (WorkerException e) {
            log.warn("vllm engine: " + e.getMessage());
            return false;
        }
    }

    /** Stops the call threads; the workers belong to their components. */
    @Override
    public void close() {
        pool.shutdownNow();
    }
}
