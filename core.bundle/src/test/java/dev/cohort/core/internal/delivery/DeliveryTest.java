package dev.cohort.core.internal.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.api.rollout.RolloutBatch;
import dev.cohort.api.rollout.RolloutListener;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeliveryTest {

    private final RecordingLog log = new RecordingLog();

    private final List<String> warnings = log.warnings;
    private final List<CountDownLatch> gates = new ArrayList<>();
    private final AtomicLong ids = new AtomicLong(100);
    private Delivery<RolloutBatch> delivery;

    private Delivery<RolloutBatch> start(DeliverySettings s) {
        delivery = new Delivery<>(EventKind.ROLLOUTS, s, log);
        return delivery;
    }

    private static DeliverySettings settings(int capacity, long publishWaitMs, long graceMs, long drainMs) {
        return new DeliverySettings(capacity, publishWaitMs, 30_000, 3, 64, graceMs, drainMs, false);
    }

    @AfterEach
    void tearDown() {
        gates.forEach(g -> {
            while (g.getCount() > 0) {
                g.countDown();
            }
        });
        if (delivery != null) {
            delivery.close();
        }
    }

    static RolloutBatch batch(long step) {
        return RolloutBatch.builder().runId("r").step(step).groupSize(2)
                .prompts(List.of("p", "p")).completions(List.of("a", "b"))
                .reward("acc", new double[] {1, 0}).advantages(new double[] {0.7, -0.7})
                .completionTokens(new int[] {1, 1}).truncated(new boolean[2]).build();
    }

    /** Records the steps it receives and the threads it received them on. */
    static class Recorder implements RolloutListener {
        final List<Long> steps = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();

        @Override
        public void onRolloutsScored(RolloutBatch batch) {
            steps.add(batch.step());
            threads.add(Thread.currentThread().getName());
        }
    }

    /** Blocks in its first call (or every call) until the gate opens. */
    final class Gated extends Recorder {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch gate = new CountDownLatch(1);

        Gated() {
            gates.add(gate);
        }

        @Override
        public void onRolloutsScored(RolloutBatch batch) {
            entered.countDown();
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            super.onRolloutsScored(batch);
        }
    }

    private long add(String name, RolloutListener l, Map<String, ?> props) {
        long id = ids.incrementAndGet();
        delivery.addListener(new ListenerIdentity(name, id, 7, "1.0.0"), l::onRolloutsScored, props);
        return id;
    }

    private void publish(long from, long to) {
        for (long s = from; s < to; s++) {
            delivery.publish(batch(s));
        }
    }

    private static List<Long> range(long from, long to) {
        return LongStream.range(from, to).boxed().collect(Collectors.toList());
    }

    static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached in 20 s");
            }
            Thread.sleep(2);
        }
    }

    private ListenerStatus status(String name) {
        return delivery.status().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void deliversEveryBatchInOrderOnTheListenersOwnThread() throws Exception {
        start(DeliverySettings.defaults());
        Recorder r = new Recorder();
        add("rec", r, Map.of());
        publish(0, 500);
        await(() -> r.steps.size() == 500);
        assertEquals(range(0, 500), r.steps);
        assertTrue(r.threads.stream().allMatch(t -> t.equals("cohort-listener-rec")), r.threads.get(0));
        assertEquals(500, status("rec").delivered());
    }

    @Test
    void publishDoesNotWaitForListenerWork() throws Exception {
        start(DeliverySettings.defaults());
        Gated g = new Gated();
        add("slow", g, Map.of());
        publish(0, 1);
        assertTrue(g.entered.await(20, TimeUnit.SECONDS));
        publish(1, 101); // completes although the listener is still inside its first call
        assertEquals(100, status("slow").queueDepth());
        g.gate.countDown();
        await(() -> g.steps.size() == 101);
        assertEquals(range(0, 101), g.steps);
    }

    @Test
    void fullQueueWaitsBoundedThenDropsTheNewBatch() throws Exception {
        start(settings(2, 20, 60_000, 5_000));
        Gated g = new Gated();
        add("slow", g, Map.of());
        publish(0, 1);
        assertTrue(g.entered.await(20, TimeUnit.SECONDS));
        publish(1, 5);
        assertEquals(2, status("slow").dropped());
        g.gate.countDown();
        await(() -> g.steps.size() == 3);
        assertEquals(List.of(0L, 1L, 2L), g.steps);
        assertTrue(warnings.stream().anyMatch(w -> w.contains("'slow'") && w.contains("dropped")), warnings.toString());
    }

    @Test
    void dropOldestKeepsTheNewestBatches() throws Exception {
        start(settings(2, 20, 60_000, 5_000));
        Gated g = new Gated();
        add("slow", g, Map.of(RolloutListener.OVERFLOW, RolloutListener.OVERFLOW_DROP_OLDEST));
        publish(0, 1);
        assertTrue(g.entered.await(20, TimeUnit.SECONDS));
        publish(1, 5);
        assertEquals(2, status("slow").dropped());
        g.gate.countDown();
        await(() -> g.steps.size() == 3);
        assertEquals(List.of(0L, 3L, 4L), g.steps);
    }

    @Test
    void listenerQueueCapacityPropertyOverridesDefault() throws Exception {
        start(settings(256, 0, 60_000, 5_000));
        Gated g = new Gated();
        add("small", g, Map.of(RolloutListener.QUEUE_CAPACITY, 3));
        publish(0, 1);
        assertTrue(g.entered.await(20, TimeUnit.SECONDS));
        publish(1, 11);
        assertEquals(3, status("small").queueDepth());
        assertEquals(7, status("small").dropped());
    }

    @Test
    void throwingListenerIsLoggedCountedAndDoesNotDisturbOthers() throws Exception {
        start(DeliverySettings.defaults());
        Recorder r = new Recorder();
        add("boom", b -> {
            throw new IllegalStateException("kaput at " + b.step());
        }, Map.of());
        add("rec", r, Map.of());
        publish(0, 50);
        await(() -> r.steps.size() == 50 && status("boom").failed() == 50);
        assertEquals(range(0, 50), r.steps);
        assertEquals(0, status("boom").delivered());
        assertTrue(warnings.contains("Rollout listener 'boom' (bundle 7) failed on step 49 of run r:"
                + " java.lang.IllegalStateException: kaput at 49"), warnings.toString());
    }

    @Test
    void listenerThatBlocksForeverIsBlacklistedAfterThreeTimeouts() throws Exception {
        start(DeliverySettings.defaults());
        CountDownLatch never = new CountDownLatch(1);
        gates.add(never);
        List<Long> blockedSteps = new CopyOnWriteArrayList<>();
        add("stuck", b -> {
            blockedSteps.add(b.step());
            while (never.getCount() > 0) {
                try {
                    never.await(); // ignores interrupts, as a badly written plugin would
                } catch (InterruptedException ignored) {
                    // keep blocking
                }
            }
        }, Map.of(RolloutListener.TIMEOUT_MS, 50L));
        Recorder r = new Recorder();
        add("rec", r, Map.of());
        publish(0, 20);
        await(() -> "blacklisted".equals(status("stuck").state()));
        publish(20, 40);
        await(() -> r.steps.size() == 40);
        assertEquals(range(0, 40), r.steps);
        ListenerStatus s = status("stuck");
        assertEquals(3, s.timeouts());
        assertEquals(List.of(0L, 1L, 2L), blockedSteps);
        assertEquals(0, s.queueDepth());
        // the state changes before the warning is logged on the watchdog's thread
        await(() -> warnings.stream().anyMatch(w -> w.contains("'stuck'") && w.contains("blacklisted")));
    }

    @Test
    void returningListenerIsReplayedWhatItMissed() throws Exception {
        start(DeliverySettings.defaults());
        Recorder first = new Recorder();
        long id = add("rec", first, Map.of());
        publish(0, 5);
        await(() -> first.steps.size() == 5);
        delivery.removeListener(id);
        publish(5, 10);
        Recorder second = new Recorder();
        add("rec", second, Map.of());
        publish(10, 12);
        await(() -> second.steps.size() == 7);
        assertEquals(range(5, 12), second.steps);
        assertEquals(5, status("rec").replayed());
    }

    @Test
    void newNameReceivesOnlyBatchesPublishedAfterItRegistered() throws Exception {
        start(DeliverySettings.defaults());
        publish(0, 5);
        Recorder r = new Recorder();
        add("late", r, Map.of());
        publish(5, 8);
        await(() -> r.steps.size() == 3);
        Thread.sleep(50);
        assertEquals(range(5, 8), r.steps);
    }

    @Test
    void noReplayAfterTheGracePeriod() throws Exception {
        start(settings(256, 1000, 0, 5_000));
        Recorder first = new Recorder();
        long id = add("rec", first, Map.of());
        publish(0, 2);
        await(() -> first.steps.size() == 2);
        delivery.removeListener(id);
        publish(2, 4);
        Thread.sleep(5);
        Recorder second = new Recorder();
        add("rec", second, Map.of());
        publish(4, 5);
        await(() -> second.steps.size() == 1);
        assertEquals(List.of(4L), second.steps);
    }

    @Test
    void departingListenerReceivesWhatWasQueuedForIt() throws Exception {
        start(DeliverySettings.defaults());
        Gated g = new Gated();
        long id = add("leaving", g, Map.of());
        publish(0, 6);
        assertTrue(g.entered.await(20, TimeUnit.SECONDS));
        Thread remover = new Thread(() -> delivery.removeListener(id));
        remover.start();
        await(() -> remover.getState() == Thread.State.TIMED_WAITING || remover.getState() == Thread.State.WAITING);
        g.gate.countDown();
        remover.join(20_000);
        assertFalse(remover.isAlive());
        assertEquals(range(0, 6), g.steps);
        assertTrue(delivery.status().isEmpty());
    }

    @Test
    void drainIsBoundedAndUndeliveredBatchesAreReplayedOnReturn() throws Exception {
        start(settings(256, 1000, 60_000, 50));
        Gated g = new Gated();
        long id = add("rec", g, Map.of());
        publish(0, 4);
        assertTrue(g.entered.await(20, TimeUnit.SECONDS));
        delivery.removeListener(id); // returns after the 50 ms drain bound although the call blocks
        assertTrue(warnings.stream().anyMatch(w -> w.contains("did not finish within 50 ms")), warnings.toString());
        Recorder back = new Recorder();
        add("rec", back, Map.of());
        await(() -> back.steps.size() == 4);
        assertEquals(range(0, 4), back.steps);
    }

    @Test
    void closeEndsEveryDeliveryThreadAndTheWatchdog() throws Exception {
        start(DeliverySettings.defaults());
        List<Recorder> rs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Recorder r = new Recorder();
            rs.add(r);
            add("l" + i, r, Map.of());
        }
        publish(0, 10);
        List<Thread> threads = delivery.threads();
        assertEquals(4, threads.size());
        delivery.close();
        for (Thread t : threads) {
            t.join(5_000);
            assertFalse(t.isAlive(), t.getName());
        }
        rs.forEach(r -> assertEquals(range(0, 10), r.steps));
        await(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("cohort-delivery-watchdog") && isOurs(t)));
    }

    private static boolean isOurs(Thread t) {
        return t.isAlive();
    }

    @Test
    void concurrentAddsAndRemovesNeverDuplicateOrSkip() throws Exception {
        // A history that holds the whole run: this checks the hand-over logic, not the bound.
        start(new DeliverySettings(256, 1_000, 30_000, 3, 4096, 60_000, 5_000, false));
        List<Long> all = Collections.synchronizedList(new ArrayList<>());
        RolloutListener shared = b -> all.add(b.step());
        long id = add("flip", shared, Map.of());
        Thread publisher = new Thread(() -> {
            for (long s = 0; s < 2000; s++) {
                delivery.publish(batch(s));
                if (s % 50 == 0) {
                    Thread.onSpinWait();
                }
            }
        });
        publisher.start();
        for (int i = 0; i < 10; i++) {
            delivery.removeListener(id);
            id = add("flip", shared, Map.of());
        }
        publisher.join();
        try {
            await(() -> all.size() >= 2000 && status("flip").queueDepth() == 0);
        } finally {
            Thread.sleep(20);
            assertEquals(range(0, 2000), all);
        }
    }
}
