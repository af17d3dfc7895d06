package dev.cohort.trainer.internal.backend;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of compute threads and a parallel-for over contiguous ranges that allocates
 * nothing per call. A parallelism of {@code p} uses the calling thread (worker 0) and {@code p-1}
 * daemon threads {@code cohort-compute-1..p-1} (workers 1..p-1), so that the caller works
 * instead of waiting. Tasks are reusable objects; a worker index lets them pick per-worker
 * scratch. One caller at a time: the backend is used like a device stream, from one thread.
 */
final class ComputePool implements AutoCloseable {

    /** Work on units {@code [from, to)}, run by worker {@code worker} (0 = the calling thread). */
    @FunctionalInterface
    interface RangeTask {
        void run(int worker, int from, int to);
    }

    /** Busy-wait rounds before parking: a kernel usually follows another within microseconds. */
    private static final int SPINS = 1 << 11;

    private final int parallelism;
    private final Worker[] workers;
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile Thread caller;
    private volatile Throwable failure;
    private volatile boolean closed;

    ComputePool(int parallelism) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("compute threads must be at least 1, got " + parallelism);
        }
        this.parallelism = parallelism;
        this.workers = new Worker[parallelism];
        for (int i = 1; i < parallelism; i++) {
            workers[i] = new Worker(i);
        }
    }

    int parallelism() {
        return parallelism;
    }

    /**
     * Splits {@code [0, units)} into at most {@link #parallelism()} contiguous ranges of at
     * least {@code minUnits} units and runs {@code task} on each; returns when all are done and
     * rethrows the first failure. Small problems run on the calling thread alone.
     */
    void forEach(int units, int minUnits, RangeTask task) {
        if (closed) {
            throw new IllegalStateException("the Java backend is closed");
        }
        int ranges = (int) Math.min(parallelism, Math.max(1, units / Math.max(1, minUnits)));
        if (ranges <= 1) {
            if (units > 0) {
                task.run(0, 0, units);
            }
            return;
        }
        if (!busy.compareAndSet(false, true)) {
            throw new IllegalStateException("the Java backend is used from two threads at once");
        }
        try {
            runSplit(units, ranges, task);
        } finally {
            busy.set(false);
        }
    }

    private void runSplit(int units, int ranges, RangeTask task) {
        caller = Thread.currentThread();
        failure = null;
        pending.set(ranges - 1);
        for (int r = 1; r < ranges; r++) {
            workers[r].start(task, bound(units, r, ranges), bound(units, r + 1, ranges));
        }
        try {
            task.run(0, 0, bound(units, 1, ranges));
        } finally {
            awaitWorkers();
        }
        Throwable f = failure;
        if (f instanceof RuntimeException) {
            throw (RuntimeException) f;
        } else if (f instanceof Error) {
            throw (Error) f;
        } else if (f != null) {
            throw new IllegalStateException("compute task failed", f);
        }
    }

    private static int bound(int units, int r, int ranges) {
        return (int) ((long) units * r / ranges);
    }

    private void awaitWorkers() {
        for (int spin = 0; pending.get() != 0; spin++) {
            if (spin < SPINS) {
                Thread.onSpinWait();
            } else {
                LockSupport.park(this);
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = 1; i < parallelism; i++) {
            LockSupport.unpark(workers[i].thread);
        }
        for (int i = 1; i < parallelism; i++) {
            try {
                workers[i].thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One pool thread; the caller hands it a range by writing the fields, then bumping {@code seq}. */
    private final class Worker implements Runnable {
        final Thread thread;
        private final int index;
        private RangeTask task;
        private int from;
        private int to;
        private volatile long seq;
        private long seen;

        Worker(int index) {
            this.index = index;
            this.thread = new Thread(this, "cohort-compute-" + index);
            thread.setDaemon(true);
            thread.start();
        }

        void start(RangeTask t, int f, int e) {
            task = t;
            from = f;
            to = e;
            seq = seq + 1; // the volatile write publishes task, from and to
            LockSupport.unpark(thread);
        }

        @Override
        public void run() {
            while (awaitWork()) {
                try {
                    task.run(index, from, to);
                } catch (Throwable e) {
                    failure = e;
                }
                if (pending.decrementAndGet() == 0) {
                    LockSupport.unpark(caller);
                }
            }
        }

        private boolean awaitWork() {
            for (int spin = 0; seq == seen; spin++) {
                if (closed) {
                    return false;
                }
                if (spin < SPINS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            seen = seq;
            return !closed;
        }
    }
}
