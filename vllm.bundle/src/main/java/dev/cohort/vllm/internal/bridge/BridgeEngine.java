package dev.cohort.vllm.internal.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.cohort.api.engine.GenerationRequest;
import dev.cohort.api.engine.GenerationResult;
import dev.cohort.vllm.internal.protocol.Protocol;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
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

/**
 * The plain core of the {@code vllm} rollout engine: splits a batch's prompts across the healthy
 * workers in contiguous chunks, calls them in parallel and reassembles the completions in prompt
 * order. A chunk whose worker fails (error reply, deadline, lost connection, unusable result) is
 * retried on another healthy worker, at most {@code maxRetries} times; every call has a deadline,
 * so nothing waits forever. When a chunk finds no worker left, generate throws naming every
 * worker and why it failed.
 */
public final class BridgeEngine implements AutoCloseable {

    private final BridgeLog log;
    private final int maxRetries;
    private final long workerWaitMs;
    private final List<WorkerHandle> workers = new CopyOnWriteArrayList<>();
    private final ExecutorService pool;
    private volatile long version = -1;

    public BridgeEngine(BridgeLog log, int maxRetries, long workerWaitMs) {
        this.log = log;
        this.maxRetries = maxRetries;
        this.workerWaitMs = workerWaitMs;
        AtomicInteger count = new AtomicInteger();
        this.pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "cohort-vllm-call-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
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
        List<WorkerHandle> ready = awaitReady(r.weightsVersion());
        List<WorkerHandle> all = workers();
        if (all.isEmpty()) {
            throw new IllegalStateException("vllm engine: no inference workers are configured after waiting "
                    + workerWaitMs + " ms (create factory configurations of dev.cohort.vllm.worker)");
        }
        if (ready.isEmpty()) {
            throw new IllegalStateException("vllm engine: no worker became healthy within " + workerWaitMs + " ms; "
                    + describe(all, new Failures()));
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
        long budgetMs = (maxRetries + 1L) * maxCallTimeout(all) + workerWaitMs + 5_000;
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budgetMs);
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
                    + describe(all, failures));
        }
        return new GenerationResult(out, r.weightsVersion());
    }

    /**
     * Healthy workers, those at the wanted version first; waits up to workerWaitMs for one, also
     * for workers still being configured (a run's plugins section creates them just before its
     * first generate).
     */
    private List<WorkerHandle> awaitReady(long wanted) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(workerWaitMs);
        while (true) {
            List<WorkerHandle> healthy = new ArrayList<>();
            for (WorkerHandle w : workers()) {
                if (w.state() == WorkerState.HEALTHY) {
                    healthy.add(w);
                }
            }
            List<WorkerHandle> matching = healthy.stream().filter(w -> w.weightsVersion() == wanted).toList();
            if (!matching.isEmpty()) {
                return matching;
            }
            if (!healthy.isEmpty() || System.nanoTime() > end) {
                return healthy;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return healthy;
            }
        }
    }

    /** Serves one chunk, moving it to another healthy worker after each failure. */
    private List<GenerationResult.Completion> serve(Chunk c, WorkerHandle first, GenerationRequest r, Failures failures) {
        Set<String> tried = new HashSet<>();
        WorkerHandle w = first;
        String where = "prompts [" + c.from() + ", " + c.to() + ")";
        for (int attempt = 0;; attempt++) {
            tried.add(w.id());
            try {
                JsonNode result = w.call(Protocol.GENERATE, c.params(r));
                try {
                    return c.completions(result, r);
                } catch (IllegalArgumentException e) {
                    throw new WorkerException(w.id(), -1, Protocol.GENERATE, WorkerException.Cause.BAD_RESULT, null,
                            "unusable result: " + e.getMessage());
                }
            } catch (WorkerException e) {
                failures.add(w.id() + ": " + e.reason());
                WorkerHandle next = attempt < maxRetries ? pick(tried, r.weightsVersion()) : null;
                String then = next != null ? "; retrying on worker " + next.id()
                        : attempt < maxRetries ? "; no other healthy worker to retry on" : "; no retries left";
                if (e.why() == WorkerException.Cause.ERROR_REPLY || e.why() == WorkerException.Cause.BAD_RESULT) {
                    log.warn("vllm engine: " + e.getMessage() + " for " + where + then);
                } else {
                    // the client has already warned about the deadline or the lost connection
                    log.info("vllm engine: " + e.getMessage() + " for " + where + then);
                }
                if (next == null) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
                w = next;
            }
        }
    }

    private WorkerHandle pick(Set<String> tried, long wanted) {
        return workers.stream()
                .filter(w -> !tried.contains(w.id()) && w.state() == WorkerState.HEALTHY)
                .min(Comparator.comparing((WorkerHandle w) -> w.weightsVersion() == wanted ? 0 : 1)
                        .thenComparingInt(WorkerHandle::inFlight))
                .orElse(null);
    }

    private static long maxCallTimeout(List<WorkerHandle> all) {
        long max = 1;
        for (WorkerHandle w : all) {
            max = Math.max(max, w.settings().callTimeoutMs());
        }
        return max;
    }

    /** Every worker with its state and what failed on it. */
    private static String describe(List<WorkerHandle> all, Failures failures) {
        StringBuilder sb = new StringBuilder("workers: ");
        for (int i = 0; i < all.size(); i++) {
            WorkerHandle.Status s = all.get(i).status();
            sb.append(i == 0 ? "" : "; ").append(s.id()).append(" (").append(s.state().label())
                    .append(", weights version ").append(s.weightsVersion()).append(")");
            List<String> mine = failures.of(s.id());
            if (!mine.isEmpty()) {
                sb.append(" failed: ").append(String.join(", ", mine));
            } else if (s.lastError() != null) {
                sb.append(" last error: ").append(s.lastError());
            }
        }
        return sb.toString();
    }

    /** Failures of one generate, by worker. */
    private static final class Failures {
        private final List<String> all = new CopyOnWriteArrayList<>();

        void add(String workerAndReason) {
            all.add(workerAndReason);
        }

        List<String> of(String workerId) {
            List<String> out = new ArrayList<>();
            for (String f : all) {
                if (f.startsWith(workerId + ": ")) {
                    out.add(f.substring(workerId.length() + 2));
                }
            }
            return out;
        }
    }

    // ---------------------------------------------------------------- weights

    /**
     * Loads {@code dir} as {@code version} on every worker in parallel, then sends each that loaded
     * it reset_prefix_cache (fire and forget). A worker that failed is brought to the version by
     * its supervisor when it next can; only when no worker loaded it does this throw.
     */
    public void loadWeights(Path dir, long newVersion) throws IOException {
        // wait (bounded) for a first healthy worker: workers created by a run's plugins section are
        // still connecting when the run syncs its first weights; the others catch up on connect
        awaitReady(Long.MIN_VALUE);
        List<WorkerHandle> all = new ArrayList<>();
        for (WorkerHandle w : workers()) {
            if (w.state() == WorkerState.HEALTHY) {
                all.add(w);
            }
        }
        if (all.isEmpty()) {
            throw new IOException("vllm engine: no healthy inference worker after " + workerWaitMs
                    + " ms to load weights version " + newVersion + " from " + dir + "; "
                    + describe(workers(), new Failures()));
        }
        Path abs = dir.toAbsolutePath().normalize();
        List<CompletableFuture<String>> loads = new ArrayList<>();
        for (WorkerHandle w : all) {
            loads.add(CompletableFuture.supplyAsync(() -> {
                try {
                    w.loadWeights(abs, newVersion);
                    return null;
                } catch (WorkerException e) {
                    return e.getMessage();
                }
            }, pool));
        }
        List<String> failed = new ArrayList<>();
        List<WorkerHandle> loaded = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            String error = loads.get(i).join();
            if (error == null) {
                loaded.add(all.get(i));
            } else {
                failed.add(error);
                log.warn("vllm engine: load_weights of version " + newVersion + " failed: " + error
                        + "; the worker is brought to it when it next answers");
            }
        }
        if (loaded.isEmpty()) {
            throw new IOException("vllm engine: no worker loaded weights version " + newVersion + " from " + abs + ": "
                    + String.join("; ", failed));
        }
        version = newVersion;
        for (WorkerHandle w : loaded) {
            resetPrefixCache(w);
        }
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
