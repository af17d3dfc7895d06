package dev.cohort.core.internal.delivery;

import org.osgi.service.log.Logger;

/** Delivery's reports, through the OSGi Log Service. */
final class DeliveryLogs {

    private DeliveryLogs() {
    }

    static DeliveryLog of(Logger logger) {
        return new DeliveryLog() {
            @Override
            public void warn(String message, Throwable cause) {
                if (cause == null) {
                    logger.warn(message);
                } else {
                    logger.warn(message, cause);
                }
            }

            @Override
            public void info(String message) {
                logger.info(message);
            }
        };
    }
}
