package dev.cohort.vllm.internal.rpc;

import dev.cohort.vllm.internal.protocol.Codec;
import dev.cohort.vllm.internal.protocol.FrameReader;
import dev.cohort.vllm.internal.protocol.Message;
import dev.cohort.vllm.internal.protocol.ProtocolException;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The reader side of a {@link WorkerClient}: reads every frame on the connection's reader
 * thread, completes the pending call a reply answers, logs events, drops (and warns about) a
 * reply to no pending call, and breaks the connection on EOF, a read error or a frame that is
 * not a protocol message.
 */
final class Inbound {

    /** Stray replies warned about per connection; later ones are logged at debug. */
    private static final int MAX_STRAY_WARNINGS = 20;

    private final WorkerClient client;
    private final PendingCalls pending;
    private final BridgeLog log;
    private final WorkerStats stats;
    private final String worker;
    private final Codec codec = new Codec();
    private final AtomicInteger strayWarnings = new AtomicInteger();

    Inbound(WorkerClient client, PendingCalls pending, BridgeLog log, WorkerStats stats) {
        this.client = client;
        this.pending = pending;
        this.log = log;
        this.stats = stats;
        this.worker = "worker " + client.workerId() + " (" + client.address() + ")";
    }

    void run(FrameReader in) {
        try {
            while (true) {
                String frame = in.next();
                if (frame == null) {
                    client.broken("the worker closed the connection", true);
                    return;
                }
                client.heard();
                Message m;
                try {
                    m = codec.decode(frame, true);
                } catch (ProtocolException e) {
                    violation(e.getMessage() + ": " + abbreviate(frame));
                    return;
                }
                if (m instanceof Message.Reply r) {
                    onReply(r);
                } else if (m instanceof Message.Event e) {
                    onEvent(e);
                } else {
                    violation("unexpected '" + m.type() + "' message after the handshake: " + abbreviate(frame));
                    return;
                }
            }
        } catch (ProtocolException e) {
            violation(e.getMessage());
        } catch (IOException | RuntimeException e) {
            client.broken(client.closing() ? "closed by the bridge" : "read failed: " + e.getMessage(), true);
        }
    }

    private void onReply(Message.Reply r) {
        if (pending.answer(r)) {
            return;
        }
        String what = pending.stray(r.id());
        stats.error("dropped " + what);
        String line = worker + ": dropped " + what;
        if (strayWarnings.incrementAndGet() <= MAX_STRAY_WARNINGS) {
            log.warn(line);
        } else {
            log.debug(line);
        }
    }

    private void onEvent(Message.Event e) {
        if (e.weightsVersion() >= 0) {
            client.weightsVersion(e.weightsVersion());
        }
        String line = worker + " reports: " + e.message();
        switch (e.event()) {
            case "warning" -> log.warn(line);
            case "heartbeat" -> log.debug(line);
            default -> log.info(line);
        }
    }

    private void violation(String what) {
        stats.error("protocol violation: " + what);
        log.warn(worker + ": protocol violation: " + what + "; the connection is treated as broken"
                + pending.inFlightNote());
        client.broken("protocol violation: " + what, false);
    }

    private static String abbreviate(String frame) {
        String f = frame.length() > 120 ? frame.substring(0, 120) + "... (" + frame.length() + " chars)" : frame;
        return "'" + f + "'";
    }
}
