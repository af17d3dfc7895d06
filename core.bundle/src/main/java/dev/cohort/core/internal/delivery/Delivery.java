package dev.cohort.core.internal.delivery;

import dev.cohort.api.rollout.RolloutListener;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The delivery engine behind {@link dev.cohort.api.rollout.RolloutPublisher}: one
 * {@link ListenerChannel} per listener service, a history of recent batches for replay, and a
 * watchdog that enforces call budgets. Free of OSGi types so that it can be tested directly.
 */
final class Delivery<E> implements AutoCloseable {

    static final long WATCHDOG_PERIOD_MS = 20;

    private final EventKind<E> kind;
    private final DeliverySettings settings;
    private final DeliveryLog log;
    private final ReentrantLock publishLock = new ReentrantLock();
    private final ScheduledExecutorService watchdog;

    // Guarded by this: sequence, history, channels and departures change together so that a
    // returning listener's replay and the live stream neither overlap nor leave a gap.
    private long lastSeq;
    private final BatchHistory<E> history;
    private final Map<Long, ListenerChannel<E>> channels = new LinkedHashMap<>();
    private final Map<String, Departure> departed = new HashMap<>();
    private volatile List<ListenerChannel<E>> active = List.of();
    private boolean closed;

    private record Departure(long lastSeq, long atNanos) {
    }

    Delivery(EventKind<E> kind, DeliverySettings settings, DeliveryLog log) {
        this.kind = kind;
        this.settings = settings;
        this.log = log;
        this.history = new BatchHistory<>(settings.historySize());
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cohort-delivery-watchdog");
            t.setDaemon(true);
            return t;
        });
        watchdog.scheduleWithFixedDelay(this::checkTimeouts, WATCHDOG_PERIOD_MS,
                WATCHDOG_PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    long publish(E event) {
        Objects.requireNonNull(event, "event");
        publishLock.lock();
        try {
            Sequenced<E> item;
            List<ListenerChannel<E>> targets;
            synchronized (this) {
                if (closed) {
                    throw new IllegalStateException("rollout delivery is stopped");
                }
                item = new Sequenced<>(++lastSeq, event);
                history.add(item);
                targets = active;
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.publishWaitMs());
            for (ListenerChannel<E> c : targets) {
                c.offer(item, deadline);
            }
            return item.seq();
        } finally {
            publishLock.unlock();
        }
    }

    /**
     * Starts delivery to a listener service. A listener whose name left less than the grace
     * period ago is first replayed the batches it missed that are still in the history.
     */
    void addListener(ListenerIdentity id, Consumer<E> listener, Map<String, ?> props) {
        int capacity = intProperty(props, RolloutListener.QUEUE_CAPACITY, settings.queueCapacity(), id);
        long timeout = longProperty(props, RolloutListener.TIMEOUT_MS, settings.callTimeoutMs(), id);
        boolean dropOldest = overflowPolicy(props, id);
        ListenerChannel<E> channel;
        String note = null;
        synchronized (this) {
            if (closed) {
                return;
            }
            Departure d = departed.remove(id.name());
            boolean returning = d != null
                    && System.nanoTime() - d.atNanos() <= TimeUnit.MILLISECONDS.toNanos(settings.replayGraceMs());
            long resumeAfter = returning ? d.lastSeq() : lastSeq;
            channel = new ListenerChannel<>(kind, id, listener, capacity, dropOldest, timeout,
                    settings.maxTimeouts(), resumeAfter, log);
            if (returning) {
                List<Sequenced<E>> missed = history.after(resumeAfter);
                channel.replay(missed);
                long oldest = history.oldestSeq();
                if (resumeAfter + 1 < oldest) {
                    note = kind.listenerNoun() + " '" + id.name() + "' came back too late for "
                            + (oldest - resumeAfter - 1) + " batch(es) no longer in the history of "
                            + settings.historySize();
                } else if (!missed.isEmpty()) {
                    note = kind.listenerNoun() + " '" + id.name() + "' (bundle " + id.bundleId()
                            + ") is back; replaying " + missed.size() + " missed batch(es)";
                }
            }
            channels.put(id.serviceId(), channel);
            active = activeChannels();
            channel.start();
        }
        if (note != null) {
            log.info(note);
        }
    }

    /**
     * Stops delivery to a departing listener service after it has received what was queued for
     * it (bounded by the drain timeout), and remembers its name for replay.
     */
    void removeListener(long serviceId) {
        ListenerChannel<E> channel;
        synchronized (this) {
            channel = channels.get(serviceId);
            if (channel == null) {
                return;
            }
            channel.stopAccepting();
            active = activeChannels();
        }
        long lastDelivered = channel.close(settings.drainTimeoutMs());
        synchronized (this) {
            channels.remove(serviceId);
            if (!closed) {
                departed.put(channel.id.name(), new Departure(lastDelivered, System.nanoTime()));
            }
        }
    }

    /** Channels that take new batches: not draining, not blacklisted. Caller holds the lock. */
    private List<ListenerChannel<E>> activeChannels() {
        List<ListenerChannel<E>> out = new ArrayList<>();
        for (ListenerChannel<E> c : channels.values()) {
            if (c.isAccepting()) {
                out.add(c);
            }
        }
        return List.copyOf(out);
    }

    private void checkTimeouts() {
        long now = System.nanoTime();
        List<ListenerChannel<E>> all;
        synchronized (this) {
            all = new ArrayList<>(channels.values());
        }
        boolean blacklisted = false;
        for (ListenerChannel<E> c : all) {
            try {
                c.checkTimeout(now);
                blacklisted |= c.isBlacklisted();
            } catch (RuntimeException e) {
                log.warn("Watchdog check of listener '" + c.id.name() + "' failed: " + e, e);
            }
        }
        if (blacklisted) {
            synchronized (this) {
                active = activeChannels();
            }
        }
    }

    synchronized List<ListenerStatus> status() {
        List<ListenerStatus> out = new ArrayList<>();
        for (ListenerChannel<E> c : channels.values()) {
            out.add(c.status());
        }
        return out;
    }

    /** Delivery threads currently alive, for leak checks. */
    synchronized List<Thread> threads() {
        List<Thread> out = new ArrayList<>();
        for (ListenerChannel<E> c : channels.values()) {
            Thread t = c.workerThread();
            if (t != null) {
                out.add(t);
            }
        }
        return out;
    }

    synchronized long lastSequence() {
        return lastSeq;
    }

    /** Drains and ends every channel, then the watchdog. */
    @Override
    public void close() {
        List<ListenerChannel<E>> all;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            all = new ArrayList<>(channels.values());
            active = List.of();
        }
        for (ListenerChannel<E> c : all) {
            c.close(settings.drainTimeoutMs());
        }
        synchronized (this) {
            channels.clear();
        }
        watchdog.shutdownNow();
        try {
            watchdog.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private int intProperty(Map<String, ?> props, String key, int fallback, ListenerIdentity id) {
        long v = longProperty(props, key, fallback, id);
        return v > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) v;
    }

    private long longProperty(Map<String, ?> props, String key, long fallback, ListenerIdentity id) {
        Object raw = props.get(key);
        if (raw == null) {
            return fallback;
        }
        try {
            long v = raw instanceof Number ? ((Number) raw).longValue() : Long.parseLong(raw.toString().trim());
            if (v > 0) {
                return v;
            }
            if (v == 0) {
                return fallback;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        log.warn(kind.listenerNoun() + " '" + id.name() + "' (bundle " + id.bundleId() + "): service property "
                + key + "=" + raw + " is not a positive number; using " + fallback, null);
        return fallback;
    }

    private boolean overflowPolicy(Map<String, ?> props, ListenerIdentity id) {
        Object raw = props.get(RolloutListener.OVERFLOW);
        if (raw == null || RolloutListener.OVERFLOW_WAIT.equals(raw)) {
            return false;
        }
        if (RolloutListener.OVERFLOW_DROP_OLDEST.equals(raw)) {
            return true;
        }
        log.warn(kind.listenerNoun() + " '" + id.name() + "' (bundle " + id.bundleId() + "): service property "
                + RolloutListener.OVERFLOW + "=" + raw + " is neither '" + RolloutListener.OVERFLOW_WAIT
                + "' nor '" + RolloutListener.OVERFLOW_DROP_OLDEST + "'; using '"
                + RolloutListener.OVERFLOW_WAIT + "'", null);
        return false;
    }
}
