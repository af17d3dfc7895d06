package dev.cohort.vllm.internal.rpc;

import dev.cohort.vllm.internal.protocol.Message;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The calls of one connection: ids issued in order, the calls waiting for their reply, and a
 * bounded memory of settled ids, so that a late or duplicate reply can be told from one with an
 * id that was never issued.
 */
final class PendingCalls {

    /** Settled call ids remembered, to tell a late or duplicate reply from an unknown one. */
    private static final int SETTLED_MEMORY = 4096;

    /** One call waiting for its reply. */
    record Pending(long id, String method, long deadlineMs, CompletableFuture<Message.Reply> reply) {
    }

    /** Fails a pending call when the connection breaks. */
    static final class ConnectionLost extends Exception {
        private static final long serialVersionUID = 1L;

        ConnectionLost(String reason) {
            super(reason, null, false, false);
        }
    }

    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final Map<Long, String> settled = new LinkedHashMap<>(64, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, String> eldest) {
            return size() > SETTLED_MEMORY;
        }
    };
    private final AtomicLong nextId = new AtomicLong();

    /** A new call with the next id, pending until answered, abandoned or failed. */
    Pending open(String method, long deadlineMs) {
        Pending p = new Pending(nextId.incrementAndGet(), method, deadlineMs, new CompletableFuture<>());
        pending.put(p.id(), p);
        return p;
    }

    /** Removes the call; null when it is no longer pending (answered or failed a moment ago). */
    Pending take(long id) {
        return pending.remove(id);
    }

    /** Remembers how call {@code id} ended, for the message about a reply that comes after. */
    void remember(long id, String what) {
        synchronized (settled) {
            settled.put(id, what);
        }
    }

    /** Completes the pending call the reply answers; false when no such call is pending. */
    boolean answer(Message.Reply r) {
        Pending p = pending.remove(r.id());
        if (p == null) {
            return false;
        }
        remember(r.id(), "answered");
        p.reply().complete(r);
        return true;
    }

    /** What a reply that answered no pending call was, in words. */
    String stray(long id) {
        String before;
        synchronized (settled) {
            before = settled.get(id);
        }
        if (before == null) {
            return id > nextId.get() || id <= 0 ? "a reply with id " + id + ", which was never issued"
                    : "a reply to call " + id + ", which is not pending";
        }
        return "a reply to call " + id + ", which " + (before.equals("answered") ? "was already answered" : before);
    }

    int size() {
        return pending.size();
    }

    /** Fails every pending call with "connection lost: reason". */
    void failAll(String reason) {
        List<Pending> failed = new ArrayList<>(pending.values());
        pending.clear();
        for (Pending p : failed) {
            p.reply().completeExceptionally(new ConnectionLost(reason));
        }
    }

    /** ", (n calls in flight fail)" for a warning about a broken connection, or nothing. */
    String inFlightNote() {
        int n = pending.size();
        return n == 0 ? "" : " (" + n + " call" + (n == 1 ? "" : "s") + " in flight fail)";
    }
}
