package dev.cohort.core.internal.delivery;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Delivery to one listener service: a bounded queue and a named thread that calls the listener
 * in order. A call that overruns its budget is counted and abandoned (its thread is interrupted
 * and a fresh one carries on with the queue); after {@code maxTimeouts} the listener is
 * blacklisted and receives nothing more.
 */
final class ListenerChannel<E> {

    enum State { ACTIVE, DRAINING, BLACKLISTED, CLOSED }

    private static final long DROP_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    final ListenerIdentity id;
    private final Consumer<E> listener;
    private final EventKind<E> kind;
    private final BatchQueue<E> queue;
    private final boolean dropOldest;
    private final int capacity;
    private final long timeoutNanos;
    private final int maxTimeouts;
    private final DeliveryLog log;

    private volatile State state = State.ACTIVE;
    private final Losses dropped = new Losses();
    private final Losses missed = new Losses();
    private volatile long lastDropLog = System.nanoTime() - DROP_LOG_INTERVAL_NANOS;
    /** The last batch completed (or abandoned); everything after it may still be delivered. */
    private volatile long progressSeq;

    // Guarded by this.
    private long delivered;
    private long failed;
    private long timeouts;
    private long replayed;
    private long lastStep = -1;
    private long lastDeliveredSeq;
    private int generation;
    private int threadCount;
    private Thread worker;
    private long callStartNanos;
    private Sequenced<E> inCall;

    ListenerChannel(EventKind<E> kind, ListenerIdentity id, Consumer<E> listener, int capacity, boolean dropOldest,
            long timeoutMillis, int maxTimeouts, long resumeAfterSeq, DeliveryLog log) {
        this.kind = kind;
        this.id = id;
        this.listener = listener;
        this.capacity = capacity;
        this.queue = new BatchQueue<>(capacity);
        this.dropOldest = dropOldest;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        this.maxTimeouts = maxTimeouts;
        this.lastDeliveredSeq = resumeAfterSeq;
        this.progressSeq = resumeAfterSeq;
        this.log = log;
    }

    /** Queues batches that the listener missed while it was away; call before {@link #start()}. */
    synchronized void replay(List<Sequenced<E>> batches) {
        queue.addAllUnbounded(batches);
        replayed += batches.size();
    }

    /** Records batches this listener missed while away that cannot be replayed to it. */
    void noteMissed(long count, String steps) {
        missed.add(count, steps);
    }

    synchronized void start() {
        startWorker();
    }

    private void startWorker() {
        int gen = generation;
        Thread t = new Thread(() -> deliverLoop(gen), threadName());
        t.setDaemon(true);
        worker = t;
        t.start();
    }

    private String threadName() {
        threadCount++;
        return "cohort-listener-" + id.name() + (threadCount > 1 ? "-" + threadCount : "");
    }

    /** Publisher side: queue the batch according to the overflow policy. */
    void offer(Sequenced<E> item, long deadlineNanos) {
        if (state != State.ACTIVE) {
            return;
        }
        if (dropOldest) {
            List<Sequenced<E>> lost = queue.offerDropOldest(item);
            if (!lost.isEmpty()) {
                noteDropped(lost, item);
            }
        } else if (!queue.offer(item, deadlineNanos)) {
            noteDropped(List.of(item), item);
        }
    }

    /** Counts dropped batches with their steps; warns at most every 10 s, naming the steps. */
    private void noteDropped(List<Sequenced<E>> lost, Sequenced<E> at) {
        for (Sequenced<E> d : lost) {
            dropped.add(kind.runId(d.event()), kind.step(d.event()));
        }
        long now = System.nanoTime();
        if (now - lastDropLog >= DROP_LOG_INTERVAL_NANOS) {
            lastDropLog = now;
            log.warn(who() + " is falling behind: its queue of " + capacity + " is full at step "
                    + kind.step(at.event()) + "; " + dropped.count() + " batch(es) dropped so far ("
                    + (dropOldest ? "drop-oldest" : "wait then drop") + "): " + dropped.describe(), null);
        }
    }

    private String who() {
        return kind.listenerNoun() + " '" + id.name() + "' (bundle " + id.bundleId() + ")";
    }

    private void deliverLoop(int gen) {
        try {
            while (true) {
                synchronized (this) {
                    if (gen != generation) {
                        return;
                    }
                }
                Sequenced<E> item = queue.poll(250);
                if (item == null) {
                    if (queue.isClosed()) {
                        return;
                    }
                    continue;
                }
                if (!deliver(gen, item)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One guarded call; false when this thread has been superseded and must end. */
    private boolean deliver(int gen, Sequenced<E> item) {
        synchronized (this) {
            if (gen != generation) {
                return false;
            }
            callStartNanos = System.nanoTime();
            inCall = item;
        }
        Throwable failure = null;
        try {
            listener.accept(item.event());
        } catch (Throwable t) {
            failure = t;
        }
        synchronized (this) {
            if (gen != generation) {
                return false;
            }
            callStartNanos = 0;
            inCall = null;
            lastDeliveredSeq = item.seq();
            progressSeq = item.seq();
            lastStep = kind.step(item.event());
            if (failure == null) {
                delivered++;
            } else {
                failed++;
            }
        }
        if (failure != null) {
            log.warn(kind.listenerNoun() + " '" + id.name() + "' (bundle " + id.bundleId()
                    + ") failed on step " + kind.step(item.event()) + " of run "
                    + kind.runId(item.event()) + ": " + failure, failure);
        }
        return true;
    }

    /** Watchdog side: counts an overrun call, abandons its thread and maybe blacklists. */
    void checkTimeout(long nowNanos) {
        String message;
        synchronized (this) {
            if (inCall == null || worker == null || nowNanos - callStartNanos < timeoutNanos) {
                return;
            }
            timeouts++;
            generation++;
            lastDeliveredSeq = inCall.seq();
            progressSeq = inCall.seq();
            lastStep = kind.step(inCall.event());
            long step = lastStep;
            inCall = null;
            callStartNanos = 0;
            worker.interrupt();
            message = kind.listenerNoun() + " '" + id.name() + "' (bundle " + id.bundleId()
                    + ") ran past its " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
                    + " ms budget on step " + step + " (timeout " + timeouts + " of "
                    + maxTimeouts + ")";
            if (timeouts >= maxTimeouts) {
                state = State.BLACKLISTED;
                queue.close();
                List<Sequenced<E>> lost = queue.clear();
                lost.forEach(d -> dropped.add(kind.runId(d.event()), kind.step(d.event())));
                worker = null;
                message += "; blacklisted: it receives no further batches"
                        + (lost.isEmpty() ? "" : "; " + lost.size() + " queued batch(es) dropped: " + dropped.describe());
            } else if (state == State.ACTIVE || state == State.DRAINING) {
                startWorker();
            }
        }
        log.warn(message, null);
    }

    /** Stops accepting new batches; what is queued is still delivered. */
    synchronized void stopAccepting() {
        if (state == State.ACTIVE) {
            state = State.DRAINING;
        }
        queue.close();
    }

    /**
     * Stops accepting batches, lets the listener finish what is queued (bounded) and ends the
     * delivery thread. Returns the sequence number of the last batch the listener completed; a
     * batch still in a call at the deadline counts as not delivered (it is replayed if the
     * listener comes back).
     */
    long close(long drainMillis) {
        stopAccepting();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(drainMillis);
        awaitWorker(deadline);
        int undelivered;
        boolean stuck;
        long last;
        synchronized (this) {
            generation++;
            undelivered = queue.clear().size();
            stuck = worker != null && worker.isAlive();
            if (stuck) {
                worker.interrupt();
            }
            worker = null;
            inCall = null;
            callStartNanos = 0;
            state = State.CLOSED;
            last = lastDeliveredSeq;
        }
        if (undelivered > 0 || stuck) {
            log.warn(kind.listenerNoun() + " '" + id.name() + "' (bundle " + id.bundleId()
                    + ") did not finish within " + drainMillis + " ms of leaving; " + undelivered
                    + " queued batch(es) undelivered (replayed if it comes back within the grace period)", null);
        }
        return last;
    }

    private void awaitWorker(long deadlineNanos) {
        while (true) {
            Thread w;
            synchronized (this) {
                w = worker;
            }
            long left = deadlineNanos - System.nanoTime();
            if (w == null || w == Thread.currentThread() || left <= 0) {
                return;
            }
            try {
                w.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            synchronized (this) {
                if (worker == w && !w.isAlive()) {
                    return;
                }
            }
        }
    }

    /** The last batch this listener completed or abandoned: later ones must stay available to it. */
    long progress() {
        return progressSeq;
    }

    boolean isBlacklisted() {
        return state == State.BLACKLISTED;
    }

    boolean isAccepting() {
        return state == State.ACTIVE;
    }

    synchronized Thread workerThread() {
        return worker;
    }

    synchronized ListenerStatus status() {
        return new ListenerStatus(id.name(), id.serviceId(), id.bundleId(), id.bundleVersion(),
                state.name().toLowerCase(java.util.Locale.ROOT), delivered, failed, timeouts,
                dropped.count(), missed.count(), replayed, queue.size(), lastStep,
                dropped.describe(), missed.describe());
    }
}
