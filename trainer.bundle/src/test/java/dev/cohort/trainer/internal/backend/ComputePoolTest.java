package dev.cohort.trainer.internal.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ComputePoolTest {

    @Test
    void rangesCoverEveryUnitOnceOnDistinctWorkers() {
        try (ComputePool pool = new ComputePool(4)) {
            for (int units : new int[] {4, 5, 97, 1000}) {
                AtomicIntegerArray seen = new AtomicIntegerArray(units);
                Set<Integer> workers = ConcurrentHashMap.newKeySet();
                pool.forEach(units, 1, (w, from, to) -> {
                    workers.add(w);
                    for (int i = from; i < to; i++) {
                        seen.incrementAndGet(i);
                    }
                });
                for (int i = 0; i < units; i++) {
                    assertEquals(1, seen.get(i), "unit " + i + " of " + units);
                }
                assertEquals(Set.of(0, 1, 2, 3), workers);
            }
        }
    }

    @Test
    void smallProblemsRunOnTheCallingThread() {
        try (ComputePool pool = new ComputePool(4)) {
            Thread caller = Thread.currentThread();
            pool.forEach(100, 60, (w, from, to) -> {
                assertSame(caller, Thread.currentThread());
                assertEquals(0, from);
                assertEquals(100, to);
            });
        }
    }

    @Test
    void threadsAreNamedDaemonsAndStopOnClose() {
        ComputePool pool = new ComputePool(3);
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        pool.forEach(3, 1, (w, from, to) -> threads.add(Thread.currentThread()));
        threads.remove(Thread.currentThread());
        assertEquals(2, threads.size());
        for (Thread t : threads) {
            assertTrue(t.getName().matches("cohort-compute-[12]"), t.getName());
            assertTrue(t.isDaemon());
        }
        pool.close();
        for (Thread t : threads) {
            assertFalse(t.isAlive(), t.getName() + " still runs after close");
        }
        assertThrows(IllegalStateException.class, () -> pool.forEach(3, 1, (w, from, to) -> { }));
    }

    @Test
    void aWorkersFailureReachesTheCaller() {
        try (ComputePool pool = new ComputePool(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.forEach(2, 1,
                    (w, from, to) -> {
                        if (w == 1) {
                            throw new IllegalStateException("boom");
                        }
                    }));
            assertEquals("boom", e.getMessage());
            int[] sum = new int[1];
            pool.forEach(2, 1, (w, from, to) -> {
                synchronized (sum) {
                    sum[0] += to - from;
                }
            });
            assertEquals(2, sum[0], "the pool still works after a failure");
        }
    }
}
