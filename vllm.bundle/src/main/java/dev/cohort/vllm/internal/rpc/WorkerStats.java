package dev.cohort.vllm.internal.rpc;

import java.util.concurrent.atomic.AtomicLong;

/** A worker's error count and last error, shared by its successive connections. */
public final class WorkerStats {

    private final AtomicLong errors = new AtomicLong();
    private volatile String lastError;

    public void error(String what) {
        errors.incrementAndGet();
        lastError = what;
    }

    public long errors() {
        return errors.get();
    }

    /** The last error in words, or null. */
    public String lastError() {
        return lastError;
    }
}
