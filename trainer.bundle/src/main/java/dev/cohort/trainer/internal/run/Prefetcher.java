package dev.cohort.trainer.internal.run;

import dev.cohort.trainer.internal.model.PolicyModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The asynchronous mode's producer: one thread ({@code cohort-producer-<run id>}) that makes the
 * generation batches in order, each against the newest weights the trainer handed over, while
 * the trainer consumes them in order. Batch g is trained first at step g * num_iterations; the
 * producer starts it only when fewer than {@code prefetch_depth} batches are in flight and the
 * newest weights are at most {@code max_staleness} steps behind that step, and otherwise waits:
 * nothing is dropped. It records, for every batch, the prompt position it started from, so a
 * checkpoint can say where the first batch not yet trained begins.
 *
 * <p>When the work is {@link ProducerWork#pipelined() pipelined} (a remote engine), a second
 * thread ({@code cohort-scorer-<run id>}) finishes the generated batches in order (the trainer's
 * log-probs under the generating weights, the rewards) while the first already has the engine
 * generate the next one, so the engine does not wait for the trainer's processor between batches.
 */
final class Prefetcher implements AutoCloseable {

    /**
     * A batch ready to train: its rollouts and reward columns, where its prompts began, and the
     * seconds its generation and its scoring took on the producer.
     */
    record Produced(int index, Rollouts rollouts, double[][] rewards, long positionBefore, double generationSeconds,
            double scoringSeconds) {
    }

    /** A batch generated under weights {@code version}, not yet finished (log-probs, rewards). */
    record Generated(int index, Rollouts rollouts, long version, long positionBefore, double generationSeconds) {
    }

    /** What the trainer saw when it took a batch. */
    record Taken(Produced batch, double idleSeconds, int inFlight) {
    }

    /** A batch started but not yet trained: what a checkpoint records. */
    record InFlight(int step, long weightsVersion, long dataPosition) {
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final AsyncSettings settings;
    private final int iterations;
    private final int batches;
    private final ProducerWork work;
    private final TreeMap<Integer, Produced> ready = new TreeMap<>();
    private final TreeMap<Integer, long[]> started = new TreeMap<>();
    private final Thread thread;
    /** The finishing stage's thread when the work is pipelined, else null. */
    private final Thread finisher;
    private final java.util.ArrayDeque<Generated> generated = new java.util.ArrayDeque<>();
    private int taken;
    private long latestVersion;
    private boolean stopped;
    private Throwable failure;
    private double producerIdle;

    /**
     * A producer of batches {@code first} .. {@code batches - 1}; {@code version} is the version
     * of the trainer's weights now (already handed over through {@link #publish}).
     */
    Prefetcher(AsyncSettings settings, int iterations, int first, int batches, long version, ProducerWork work,
            String runId) {
        this.settings = settings;
        this.iterations = iterations;
        this.batches = batches;
        this.work = work;
        this.taken = first;
        this.latestVersion = version;
        this.thread = new Thread(() -> produce(first), "cohort-producer-" + runId);
        this.thread.setDaemon(true);
        this.finisher = work.pipelined() ? new Thread(this::finish, "cohort-scorer-" + runId) : null;
        if (finisher != null) {
            finisher.setDaemon(true);
        }
    }

    /** The producer's side: where prompts are, generating and finishing one batch. */
    interface ProducerWork {
        long position();

        /** Generates batch {@code index} (the producer thread). */
        Generated generate(int index, long positionBefore) throws Exception;

        /** The trainer's log-probs under the generating weights and the rewards (in batch order). */
        Produced finish(Generated batch) throws Exception;

        /** Whether {@link #finish} runs on a thread of its own, overlapping the next generation. */
        boolean pipelined();
    }

    void start() {
        thread.start();
        if (finisher != null) {
            finisher.start();
        }
    }

    private void produce(int first) {
        try {
            for (int g = first; g < batches; g++) {
                long position = awaitTurn(g);
                if (position < 0) {
                    return;
                }
                Generated b = work.generate(g, position);
                if (finisher == null) {
                    ready(work.finish(b));
                } else {
                    lock.lock();
                    try {
                        generated.add(b);
                        changed.signalAll();
                    } finally {
                        lock.unlock();
                    }
                }
            }
        } catch (Throwable t) {
            failed(t);
        }
    }

    /** The finishing stage's loop: the generated batches, in order, until stopped. */
    private void finish() {
        try {
            while (true) {
                Generated b;
                lock.lock();
                try {
                    while (!stopped && generated.isEmpty()) {
                        changed.await();
                    }
                    if (stopped) {
                        return;
                    }
                    b = generated.poll();
                } finally {
                    lock.unlock();
                }
                ready(work.finish(b));
            }
        } catch (Throwable t) {
            failed(t);
        }
    }

    private void ready(Produced p) {
        lock.lock();
        try {
            ready.put(p.index(), p);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void failed(Throwable t) {
        if (t instanceof InterruptedException && stoppedNow()) {
            return; // close() interrupted a wait: not a failure
        }
        lock.lock();
        try {
            failure = t;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private boolean stoppedNow() {
        lock.lock();
        try {
            return stopped;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until batch g may start; records and returns its prompt position, or -1 when stopped. */
    private long awaitTurn(int g) throws InterruptedException {
        int step = g * iterations;
        lock.lock();
        try {
            long t0 = System.nanoTime();
            while (!stopped && (g - taken >= settings.depth() || latestVersion < step - settings.maxStaleness())) {
                changed.await();
            }
            producerIdle += (System.nanoTime() - t0) / 1e9;
            if (stopped) {
                return -1;
            }
            long position = work.position();
            started.put(g, new long[] {position, -1});
            return position;
        } finally {
            lock.unlock();
        }
    }

    /** Tells the producer that weights of {@code version} were handed over. */
    void published(long version) {
        lock.lock();
        try {
            latestVersion = Math.max(latestVersion, version);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Records the weights version batch g is being generated with (for checkpoints). */
    void generating(int g, long version) {
        lock.lock();
        try {
            long[] s = started.get(g);
            if (s != null) {
                s[1] = version;
            }
        } finally {
            lock.unlock();
        }
    }

    /** The batch trained first at {@code step}, waiting for it; rethrows the producer's failure. */
    Taken take(int step) throws InterruptedException {
        int g = step / iterations;
        lock.lock();
        try {
            long t0 = System.nanoTime();
            while (!ready.containsKey(g)) {
                if (failure != null) {
                    throw new IllegalStateException("the producer failed making the batch of step " + step + ": "
                            + failure, failure);
                }
                changed.await();
            }
            double idle = (System.nanoTime() - t0) / 1e9;
            Produced p = ready.remove(g);
            started.remove(g);
            taken = g + 1;
            changed.signalAll();
            return new Taken(p, idle, started.size());
        } finally {
            lock.unlock();
        }
    }

    /** Seconds the producer waited for its turn since the last call. */
    double producerIdleSeconds() {
        lock.lock();
        try {
            double v = producerIdle;
            producerIdle = 0;
            return v;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Where the first batch not yet taken begins in the prompts: its recorded position, or, when
     * the producer has not started it, the prompt source's position now (it draws nothing before
     * recording under this lock).
     */
    long resumePosition() {
        lock.lock();
        try {
            Map.Entry<Integer, long[]> first = started.firstEntry();
            return first != null ? first.getValue()[0] : work.position();
        } finally {
            lock.unlock();
        }
    }

    /** The batches started and not yet taken, in order. */
    List<InFlight> inFlight() {
        lock.lock();
        try {
            List<InFlight> out = new ArrayList<>();
            started.forEach((g, s) -> out.add(new InFlight(g * iterations, s[1], s[0])));
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** Stops the producer and waits for its thread to end (a batch under way is finished first). */
    @Override
    public void close() throws InterruptedException {
        lock.lock();
        try {
            stopped = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        thread.interrupt();
        thread.join();
        if (finisher != null) {
            finisher.interrupt();
            finisher.join();
        }
    }
}
