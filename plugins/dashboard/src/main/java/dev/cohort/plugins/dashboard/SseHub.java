package dev.cohort.plugins.dashboard;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The open pages, as Server-Sent Events streams. Events are written on one thread of the hub's
 * own ({@code cohort-dashboard-sse}), never on the caller's, so a slow browser cannot hold up the
 * listener threads that publish; a comment line every {@code heartbeatMs} keeps proxies and the
 * browser from timing the stream out and finds closed connections. Each stream starts with a
 * {@code retry} field: after an update of the bundle the browser reconnects by itself.
 */
final class SseHub implements AutoCloseable {

    /** Where one page's events go (an asynchronous servlet response). */
    interface Sink {
        void write(String text) throws IOException;

        void close();
    }

    static final long RETRY_MS = 1000;

    private final List<Sink> sinks = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService thread;
    private final AtomicLong ids = new AtomicLong();

    SseHub(long heartbeatMs) {
        thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cohort-dashboard-sse");
            t.setDaemon(true);
            return t;
        });
        thread.scheduleWithFixedDelay(() -> send(": keep-alive\n\n"), heartbeatMs, heartbeatMs, TimeUnit.MILLISECONDS);
    }

    /** One event as the SSE format frames it: every line of {@code data} on a {@code data:} line. */
    static String frame(String event, long id, String data) {
        StringBuilder sb = new StringBuilder();
        sb.append("event: ").append(event).append('\n');
        sb.append("id: ").append(id).append('\n');
        for (String line : data.split("\r\n|\r|\n", -1)) {
            sb.append("data: ").append(line).append('\n');
        }
        return sb.append('\n').toString();
    }

    /** Adds a page: it first gets the retry delay and a {@code hello} event. */
    void add(Sink sink) {
        thread.execute(() -> {
            try {
                sink.write("retry: " + RETRY_MS + "\n\n" + frame("hello", ids.incrementAndGet(), "{}"));
                sinks.add(sink);
            } catch (IOException e) {
                sink.close();
            }
        });
    }

    /** Sends an event to every page, in the order published. */
    void publish(String event, String data) {
        long id = ids.incrementAndGet();
        thread.execute(() -> send(frame(event, id, data)));
    }

    private void send(String text) {
        for (Sink s : sinks) {
            try {
                s.write(text);
            } catch (IOException | RuntimeException e) {
                sinks.remove(s);
                s.close();
            }
        }
    }

    int size() {
        return sinks.size();
    }

    /** Ends every stream (the browsers reconnect) and the hub's thread. */
    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Sink s : sinks) {
            s.close();
        }
        sinks.clear();
    }
}
