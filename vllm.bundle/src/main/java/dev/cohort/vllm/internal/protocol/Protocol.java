package dev.cohort.vllm.internal.protocol;

/**
 * Constants of the inference-worker protocol, version {@value #VERSION} (docs/worker-protocol.md):
 * newline-delimited JSON over one TCP connection per worker.
 */
public final class Protocol {

    public static final int VERSION = 1;

    /** Largest frame (one JSON line, in bytes) either side accepts by default. */
    public static final int DEFAULT_MAX_FRAME = 64 << 20;

    /**
     * Largest first frame (the hello) either side reads before the handshake is done; a peer that
     * sends more without a newline is cut off after this many bytes.
     */
    public static final int MAX_HELLO_FRAME = 64 << 10;

    /**
     * How often the bridge asks (hello field {@code heartbeat_ms}) a worker with capability
     * {@value #HEARTBEAT} to send a {@code heartbeat} event while connected.
     */
    public static final long HEARTBEAT_INTERVAL_MS = 1_000;

    /** The capability of a worker that sends heartbeats; the bridge then notices a frozen worker in seconds. */
    public static final String HEARTBEAT = "heartbeat";

    public static final String GENERATE = "generate";
    public static final String LOAD_WEIGHTS = "load_weights";
    /**
     * Loads LoRA adapters in PEFT's format over a base checkpoint (a method and the capability of
     * the workers that serve it): a LoRA run syncs only its adapters.
     */
    public static final String LOAD_ADAPTER = "load_adapter";
    public static final String RESET_PREFIX_CACHE = "reset_prefix_cache";
    public static final String HEALTH = "health";
    public static final String SHUTDOWN = "shutdown";

    /** Error kinds of a reply's error. */
    public static final String BAD_REQUEST = "bad_request";
    public static final String UNKNOWN_METHOD = "unknown_method";
    public static final String VERSION_MISMATCH = "version_mismatch";
    public static final String INTERNAL = "internal";
    public static final String DEADLINE = "deadline";

    private Protocol() {
    }
}
