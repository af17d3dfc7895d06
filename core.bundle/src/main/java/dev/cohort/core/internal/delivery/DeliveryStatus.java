package dev.cohort.core.internal.delivery;

import java.util.List;

/** Core-internal view of delivery, for the shell commands. */
public interface DeliveryStatus {

    List<ListenerStatus> listeners();

    List<Thread> deliveryThreads();
}
