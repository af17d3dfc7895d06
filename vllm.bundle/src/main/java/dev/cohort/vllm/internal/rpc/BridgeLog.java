package dev.cohort.vllm.internal.rpc;

/**
 * The bridge's logging, so that its plain classes run and are tested without OSGi; components
 * hand them an adapter over the OSGi Log Service ({@link OsgiLog}).
 */
public interface BridgeLog {

    void debug(String message);

    void info(String message);

    void warn(String message);

    /** Lines on stderr, for tools and tests outside OSGi. */
    static BridgeLog stderr() {
        return new BridgeLog() {
            public void debug(String message) {
            }

            public void info(String message) {
                System.err.println("INFO " + message);
            }

            public void warn(String message) {
                System.err.println("WARN " + message);
            }
        };
    }
}
