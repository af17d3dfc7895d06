package dev.cohort.core.internal.delivery;

import java.util.List;

/** Core-internal view of delivery, for the shell commands. */
public interface DeliveryStatus {

    /** What this delivery serves, for headings: "rollout listeners", "training listeners". */
    String kind();

    List<ListenerStatus> listeners();

    List<Thread> deliveryThreads();
}
