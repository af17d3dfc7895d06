package dev.cohort.core.internal.delivery;

/** Where delivery reports what went wrong; backed by the OSGi Log Service in the runtime. */
interface DeliveryLog {

    void warn(String message, Throwable cause);

    void info(String message);
}
