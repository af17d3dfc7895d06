package dev.cohort.vllm.internal.rpc;

import org.osgi.service.log.Logger;

/** The connection code's logging over an OSGi Log Service logger (the bridge's, python-rewards'). */
public final class OsgiLog implements BridgeLog {

    private final Logger logger;

    public OsgiLog(Logger logger) {
        this.logger = logger;
    }

    @Override
    public void debug(String message) {
        logger.debug(message);
    }

    @Override
    public void info(String message) {
        logger.info(message);
    }

    @Override
    public void warn(String message) {
        logger.warn(message);
    }
}
