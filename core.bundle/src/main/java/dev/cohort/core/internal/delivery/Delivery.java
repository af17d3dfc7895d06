package dev.cohort.core.internal.delivery;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The delivery engine behind {@link dev.cohort.api.rollout.RolloutPublisher}: one
 * {@link ListenerChannel} per listener service, a history of the batches some listener may still
 * need (queued ones, and those a departed listener missed during its grace period; spilled to
 * disk beyond the memory limit), a ledger of runs and steps for reporting losses, and a watchdog
 * that enforces call budgets. Every batch a listener does not receive is counted (dropped or
 * missed) and reported at WARN with its steps. Free of OSGi types so that it can be tested
 * directly.
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
    private final SpillStore<E> spill;
    private final RunLedger ledger = new RunLedger();
    private final Map<Long, ListenerChannel<E>> channels = new LinkedHashMap<>();
    private final Map<String, Departure> departed = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Departure> eldest) {
            return size() > MAX_DEPARTED;
        }
    };
    private volatile List<ListenerChannel<E>> active = List.of();
    private boolean closed;

    static final int MAX_DEPARTED = 256;

    private record Departure(long lastSeq, long atNanos) {
    }

    /** A delivery that keeps no more than {@code settings.historySize()} batches, in memory only. */
    Delivery(EventKind<E> kind, DeliverySettings settings, DeliveryLog log) {
        this(kind, settings, log, null);
    }

    /**
     * @param spillDir where batches beyond the memory limit go when {@code settings.spill()};
     *                 null for none
     */
    Delivery(EventKind<E> kind, DeliverySettings settings, DeliveryLog log, Path spillDir) {
        this.kind = kind;
        this.settings = settings;
        this.log = log;
        this.spill = openSpill(spillDir);
        this.history = new BatchHistory<>(settings.historySize(), spill, log);
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cohort-delivery-watchdog");
            t.setDaemon(true);
            return t;
        });
        watchdog.scheduleWithFixedDelay(this::checkTimeouts, WATCHDOG_PERIOD_MS,
                WATCHDOG_PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    private SpillStore<E> openSpill(Path dir) {
        if (!settings.spill() || dir == null) {
            return null;
        }
        try {
            return new SpillStore<>(dir, kind.codec());
        } catch (IOException | RuntimeException e) {
            log.warn("Cannot spill " + kind.listenerNoun().toLowerCase(Locale.ROOT) + " batches to " + dir + ": "
                    + e + "; keeping at most " + settings.historySize() + " in memory", e);
            return null;
        }
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
                ledger.record(item.seq(), kind.runId(event), kind.step(event));
                if (kind.endsRun(event)) {
                    ledger.end(kind.runId(event), item.seq());
                }
                history.add(item);
                history.releaseThrough(neededAfter());
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
     * Everything after the returned sequence number may still be needed: by a connected listener
     * that has not completed it, or by a name that left less than the grace period ago. Caller
     * holds the lock.
     */
    private long neededAfter() {
        long floor = lastSeq;
        for (ListenerChannel<E> c : channels.values()) {
            if (!c.isBlacklisted()) {
                floor = Math.min(floor, c.progress());
            }
        }
        long now = System.nanoTime();
        long grace = TimeUnit.MILLISECONDS.toNanos(settings.replayGraceMs());
        for (Departure d : departed.values()) {
            if (now - d.atNanos() <= grace) {
                floor = Math.min(floor, d.lastSeq());
            }
        }
        return floor;
    }

    /** Ends a run: its batches published so far are no longer replayed to listeners that register. */
    synchronized void endRun(String runId) {
        ledger.end(Objects.requireNonNull(runId, "runId"), lastSeq);
    }

    /**
     * Starts delivery to a listener service. A listener whose name left earlier is first replayed
     * what it missed (within the grace period, of runs that had not ended); whatever it missed
     * and is not replayed is counted as missed and reported with its steps.
     */
    void addListener(ListenerIdentity id, Consumer<E> listener, Map<String, ?> props) {
        String who = kind.listenerNoun() + " '" + id.name() + "' (bundle " + id.bundleId() + ")";
        ListenerProperties p = new ListenerProperties(kind, props, log, who);
        int capacity = p.queueCapacity(settings.queueCapacity());
        long timeout = p.timeoutMs(settings.callTimeoutMs());
        boolean dropOldest = p.dropOldest();
        ListenerChannel<E> channel;
        Notes notes = new Notes(null, null);
        synchronized (this) {
            if (closed) {
                return;
            }
            Departure d = departed.remove(id.name());
            long resumeAfter = d != null ? d.lastSeq() : lastSeq;
            channel = new ListenerChannel<>(kind, id, listener, capacity, dropOldest, timeout,
                    settings.maxTimeouts(), resumeAfter, log);
            if (d != null) {
                notes = comeback(who, channel, d);
            }
            channels.put(id.serviceId(), channel);
            active = activeChannels();
            channel.start();
        }
        if (notes.loss() != null) {
            log.warn(notes.loss(), null);
        }
        if (notes.replay() != null) {
            log.info(notes.replay());
        }
    }

    /** What to log about a returning listener: the replay (INFO) and the loss (WARN); either may be null. */
    private record Notes(String replay, String loss) {
    }

    /** Replays to a returning name what it may have and counts the rest. Caller holds the lock. */
    private Notes comeback(String who, ListenerChannel<E> channel, Departure d) {
        long awayNanos = System.nanoTime() - d.atNanos();
        boolean inGrace = awayNanos <= TimeUnit.MILLISECONDS.toNanos(settings.replayGraceMs());
        Comeback<E> plan = Comeback.plan(kind, history, ledger, d.lastSeq(), lastSeq, inGrace);
        channel.replay(plan.replay);
        String away = String.format(Locale.ROOT, "%.1f s", awayNanos / 1e9);
        String replay = plan.replay.isEmpty() ? null : who + " is back after " + away + "; replaying "
                + plan.replay.size() + " missed batch(es): " + ledger.describe(
                        plan.replay.get(0).seq(), plan.replay.get(plan.replay.size() - 1).seq());
        if (plan.missedCount() == 0) {
            return new Notes(replay, null);
        }
        channel.noteMissed(plan.missedCount(), plan.missedSteps());
        return new Notes(replay, who + " missed " + plan.missedCount() + " batch(es) while away (" + away
                + "), not replayed: " + plan.missedSteps() + " ("
                + plan.reason(inGrace, settings.historySize(), spill != null) + ")");
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
                departed.remove(channel.id.name());
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

    private void closeSpill() {
        if (spill == null) {
            return;
        }
        try {
            spill.close();
        } catch (IOException | RuntimeException e) {
            log.warn("Cannot remove spilled batches from " + spill.directory() + ": " + e, e);
        }
    }

    /** Batches kept for listeners that may still need them: in memory, on disk. */
    synchronized int[] kept() {
        return new int[] {history.inMemory(), history.onDisk()};
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
        closeSpill();
        watchdog.shutdownNow();
        try {
            watchdog.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
