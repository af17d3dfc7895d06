package dev.cohort.plugins.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class SseHubTest {

    /** A page that records what it receives, and can be made to fail like a closed connection. */
    static final class Page implements SseHub.Sink {
        final List<String> received = new CopyOnWriteArrayList<>();
        volatile boolean broken;
        volatile boolean closed;

        @Override
        public void write(String text) throws IOException {
            if (broken) {
                throw new IOException("connection reset");
            }
            received.add(text);
        }

        @Override
        public void close() {
            closed = true;
        }

        String all() {
            return String.join("", received);
        }
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void framesEveryLineOfTheDataAsTheEventStreamFormatSays() {
        assertEquals("event: metrics\nid: 7\ndata: {\"a\":1}\n\n", SseHub.frame("metrics", 7, "{\"a\":1}"));
        assertEquals("event: x\nid: 1\ndata: one\ndata: two\ndata: \ndata: three\n\n",
                SseHub.frame("x", 1, "one\ntwo\r\n\rthree"));
        assertEquals("event: x\nid: 2\ndata: \n\n", SseHub.frame("x", 2, ""));
    }

    @Test
    void aPageGetsTheRetryDelayHelloThenEventsInOrder() throws Exception {
        try (SseHub hub = new SseHub(60_000)) {
            Page page = new Page();
            hub.add(page);
            for (int i = 0; i < 100; i++) {
                hub.publish("metrics", "{\"step\":" + i + "}");
            }
            await(() -> page.all().contains("{\"step\":99}"), "the last event");
            String all = page.all();
            assertTrue(all.startsWith("retry: " + SseHub.RETRY_MS + "\n\nevent: hello\n"), all);
            int last = -1;
            for (int i = 0; i < 100; i++) {
                int at = all.indexOf("data: {\"step\":" + i + "}\n");
                assertTrue(at > last, "event " + i + " after event " + (i - 1));
                last = at;
            }
        }
    }

    @Test
    void aBrokenPageIsDroppedAndClosedAndOthersGoOn() throws Exception {
        try (SseHub hub = new SseHub(60_000)) {
            Page good = new Page();
            Page bad = new Page();
            hub.add(good);
            hub.add(bad);
            await(() -> hub.size() == 2, "two pages");
            bad.broken = true;
            hub.publish("metrics", "{}");
            await(() -> hub.size() == 1, "the broken page dropped");
            assertTrue(bad.closed);
            hub.publish("metrics", "{\"after\":true}");
            await(() -> good.all().contains("{\"after\":true}"), "the next event");
        }
    }

    @Test
    void heartbeatsKeepTheStreamAliveAndCloseEndsEveryStreamAndTheThread() throws Exception {
        Page page = new Page();
        SseHub hub = new SseHub(20);
        hub.add(page);
        await(() -> page.all().contains(": keep-alive\n\n"), "a heartbeat comment");
        assertTrue(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("cohort-dashboard-sse")));
        hub.close();
        assertTrue(page.closed);
        assertEquals(0, hub.size());
        await(() -> Thread.getAllStackTraces().keySet().stream().noneMatch(
                t -> t.getName().equals("cohort-dashboard-sse") && t.isAlive()), "the hub's thread to end");
        assertFalse(page.received.isEmpty());
    }
}
