package dev.cohort.core.internal.delivery;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Bounded FIFO between the publisher and one listener's delivery thread. Replayed batches may
 * exceed the bound once (they are few and already in memory); live offers respect it.
 */
final class BatchQueue<E> {

    private final int capacity;
    private final ArrayDeque<Sequenced<E>> items = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private boolean closed;

    BatchQueue(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("queue capacity must be >= 1, got " + capacity);
        }
        this.capacity = capacity;
    }

    /** Waits until there is room or the deadline passes; false when the item was not queued. */
    boolean offer(Sequenced<E> item, long deadlineNanos) {
        lock.lock();
        try {
            while (items.size() >= capacity && !closed) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                notFull.awaitNanos(left);
            }
            if (closed) {
                return false;
            }
            items.addLast(item);
            notEmpty.signal();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Queues the item, removing the oldest when full; returns what was removed (usually nothing
     * or one item; more only after a replay went beyond the bound).
     */
    List<Sequenced<E>> offerDropOldest(Sequenced<E> item) {
        lock.lock();
        try {
            if (closed) {
                return List.of();
            }
            List<Sequenced<E>> dropped = List.of();
            while (items.size() >= capacity) {
                if (dropped.isEmpty()) {
                    dropped = new ArrayList<>(1);
                }
                dropped.add(items.pollFirst());
            }
            items.addLast(item);
            notEmpty.signal();
            return dropped;
        } finally {
            lock.unlock();
        }
    }

    void addAllUnbounded(Collection<Sequenced<E>> replay) {
        lock.lock();
        try {
            items.addAll(replay);
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Next item, waiting up to {@code timeoutMillis}; null on timeout or when closed and empty.
     */
    Sequenced<E> poll(long timeoutMillis) throws InterruptedException {
        lock.lock();
        try {
            long left = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            while (items.isEmpty()) {
                if (closed || left <= 0) {
                    return null;
                }
                left = notEmpty.awaitNanos(left);
            }
            Sequenced<E> item = items.pollFirst();
            notFull.signal();
            return item;
        } finally {
            lock.unlock();
        }
    }

    /** No further offers; queued items can still be taken. */
    void close() {
        lock.lock();
        try {
            closed = true;
            notEmpty.signalAll();
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Removes every queued item and returns them, oldest first. */
    List<Sequenced<E>> clear() {
        lock.lock();
        try {
            List<Sequenced<E>> out = new ArrayList<>(items);
            items.clear();
            notFull.signalAll();
            return out;
        } finally {
            lock.unlock();
        }
    }

    int size() {
        lock.lock();
        try {
            return items.size();
        } finally {
            lock.unlock();
        }
    }

    boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }
}
