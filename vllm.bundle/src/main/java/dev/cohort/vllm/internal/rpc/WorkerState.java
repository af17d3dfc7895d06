package dev.cohort.vllm.internal.rpc;

/** Where a worker stands, as the bridge sees it. */
public enum WorkerState {
    /** Launching, connecting, handshaking or syncing weights: not given work yet. */
    CONNECTING,
    /** Connected and answering: given work. */
    HEALTHY,
    /** A call passed its deadline: given no work until a health check finds it idle. */
    SUSPECT,
    /** The connection is gone; a supervised worker is reconnected (or relaunched). */
    DEAD;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
