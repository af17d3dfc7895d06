package dev.cohort.vllm.internal.bridge;

import dev.cohort.vllm.internal.rpc.WorkerState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.Predicate;

/**
 * Waiting for workers, always bounded by {@code worker_wait_ms}: at start-up for every configured
 * worker's first connection, during a call for a worker to come back when none is healthy, after
 * a weight sync that no worker took for a returning worker to be brought to it. A worker that
 * never connected within one such wait is not waited for again (it may be misconfigured).
 */
final class Capacity {

    private static final long POLL_MS = 20;

    private final List<WorkerHandle> workers;
    private final Set<WorkerHandle> givenUp = ConcurrentHashMap.newKeySet();
    private volatile long waitMs;
    private volatile IntSupplier configured = () -> 0;
    private volatile int expectedGivenUp = -1;

    Capacity(List<WorkerHandle> workers, long waitMs) {
        this.workers = workers;
        this.waitMs = waitMs;
    }

    long waitMs() {
        return waitMs;
    }

    void waitMs(long ms) {
        this.waitMs = ms;
    }

    void expect(IntSupplier count) {
        this.configured = count;
    }

    /** A worker's current connection: a chunk that failed on one may try the next. */
    static String key(WorkerHandle w) {
        return w.id() + "#" + w.connections();
    }

    /**
     * The healthy workers, those at {@code wanted} first; waits while configured workers are
     * still starting (their first connection) or none is healthy.
     */
    List<WorkerHandle> ready(long wanted) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
        while (true) {
            List<WorkerHandle> healthy = healthy(w -> true);
            List<WorkerHandle> matching = healthy.stream().filter(w -> w.weightsVersion() == wanted).toList();
            boolean starting = starting();
            if (!starting && !healthy.isEmpty() || System.nanoTime() > end || !sleep()) {
                if (starting) {
                    giveUpOnStarting();
                }
                return matching.isEmpty() ? healthy : matching;
            }
        }
    }

    /** Whether fewer workers are tracked than configured, or one has never connected yet. */
    private boolean starting() {
        int expected = configured.getAsInt();
        List<WorkerHandle> all = List.copyOf(workers);
        givenUp.retainAll(all);
        if (all.size() < expected && expected != expectedGivenUp) {
            return true;
        }
        return all.stream().anyMatch(w -> w.connections() == 0 && !givenUp.contains(w));
    }

    private void giveUpOnStarting() {
        expectedGivenUp = configured.getAsInt();
        for (WorkerHandle w : workers) {
            if (w.connections() == 0) {
                givenUp.add(w);
            }
        }
    }

    /**
     * Another worker for a chunk that failed: a healthy one not tried on its current connection
     * (those at {@code wanted} first, then the least busy); when none is healthy at all, waits for
     * one to come back. Null when healthy workers are left but all were tried.
     */
    WorkerHandle another(Set<String> tried, long wanted) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
        while (true) {
            List<WorkerHandle> fresh = healthy(w -> !tried.contains(key(w)));
            if (!fresh.isEmpty()) {
                return fresh.stream().min(Comparator.comparing((WorkerHandle w) -> w.weightsVersion() == wanted ? 0 : 1)
                        .thenComparingInt(WorkerHandle::inFlight)).get();
            }
            if (!healthy(w -> true).isEmpty() || System.nanoTime() > end || !sleep()) {
                return null;
            }
        }
    }

    /** Waits for workers at {@code version} (a returning worker is brought to it by its supervisor). */
    List<WorkerHandle> awaitVersion(long version) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
        while (true) {
            List<WorkerHandle> at = healthy(w -> w.weightsVersion() == version);
            if (!at.isEmpty() || System.nanoTime() > end || !sleep()) {
                return at;
            }
        }
    }

    private List<WorkerHandle> healthy(Predicate<WorkerHandle> also) {
        List<WorkerHandle> out = new ArrayList<>();
        for (WorkerHandle w : workers) {
            if (w.state() == WorkerState.HEALTHY && also.test(w)) {
                out.add(w);
            }
        }
        return out;
    }

    /** False when interrupted (the interrupt is kept). */
    private static boolean sleep() {
        try {
            Thread.sleep(POLL_MS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
