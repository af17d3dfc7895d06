package dev.cohort.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

/** A listener bundle installed in the middle of a run, and one uninstalled. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ListenerLifecycleIT extends CohortTestSupport {

    @After
    public void cleanUp() {
        unregisterSinks();
    }

    static List<Long> range(long from, long to) {
        return LongStream.range(from, to).boxed().collect(Collectors.toList());
    }

    @Test
    public void listenerInstalledWhileBatchesArePublishedReceivesEveryLaterBatch() throws Exception {
        Received received = sink("late");
        AtomicLong lastPublished = new AtomicLong(-1);
        Thread trainer = new Thread(() -> {
            for (long step = 0; step < 600; step++) {
                publisher.publish(batch("run-late", step));
                lastPublished.set(step);
                sleep(2);
            }
        }, "test-trainer");
        trainer.start();
        await(() -> lastPublished.get() >= 100);
        Bundle b = installListener("late", "record", Map.of());
        long publishedBeforeStart = lastPublished.get();
        trainer.join();
        await(() -> received.steps.contains(599L));
        long first = received.steps.get(0);
        assertTrue("first step " + first + " came after start at " + publishedBeforeStart,
                first <= publishedBeforeStart + 1);
        assertTrue("a new listener gets no replay of older batches", first >= 100);
        assertEquals(range(first, 600), received.steps);
        b.uninstall();
    }

    @Test
    public void uninstallStopsDeliveriesAndEndsTheDeliveryThread() throws Exception {
        Received received = sink("gone");
        Bundle b = installListener("gone", "record", Map.of());
        for (long step = 0; step < 20; step++) {
            publisher.publish(batch("run-gone", step));
        }
        await(() -> received.steps.size() == 20);
        assertTrue(threadAlive("cohort-listener-gone"));
        assertTrue(gogo("cohort:listeners").contains("gone"));

        b.uninstall();
        assertFalse("delivery thread ended with the bundle", threadAlive("cohort-listener-gone"));
        for (long step = 20; step < 40; step++) {
            publisher.publish(batch("run-gone", step));
        }
        Thread.sleep(100);
        assertEquals(range(0, 20), received.steps);
        assertFalse(gogo("cohort:listeners").contains("gone"));
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
