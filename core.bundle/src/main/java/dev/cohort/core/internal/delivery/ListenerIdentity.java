package dev.cohort.core.internal.delivery;

/** Who a listener service is: its stable name and where it comes from. */
record ListenerIdentity(String name, long serviceId, long bundleId, String bundleVersion) {
}
