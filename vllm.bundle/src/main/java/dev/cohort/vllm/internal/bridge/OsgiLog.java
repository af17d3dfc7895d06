package dev.cohort.vllm.internal.bridge;

import dev.cohort.vllm.internal.rpc.BridgeLog;
import org.osgi.service.log.Logger;

/** The bridge's logging over an OSGi Log Service logger. */
final class OsgiLog implements BridgeLog {

    private final Logger logger;

    OsgiLog(Logger logger) {
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
