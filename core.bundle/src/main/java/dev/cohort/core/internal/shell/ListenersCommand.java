package dev.cohort.core.internal.shell;

import dev.cohort.core.internal.delivery.DeliveryStatus;
import dev.cohort.core.internal.delivery.ListenerStatus;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code cohort:listeners}: the rollout listeners core delivers to, with their counters. */
@Component(service = ListenersCommand.class, immediate = true, property = {
    "osgi.command.scope=cohort", "osgi.command.function=listeners"})
public final class ListenersCommand {

    private final DeliveryStatus delivery;

    @Activate
    public ListenersCommand(@Reference DeliveryStatus delivery) {
        this.delivery = delivery;
    }

    @Descriptor("list rollout listeners: name, bundle, state and delivery counters")
    public String listeners() {
        return format(delivery.listeners());
    }

    static String format(List<ListenerStatus> all) {
        if (all.isEmpty()) {
            return "no rollout listeners registered";
        }
        Table t = new Table("NAME", "BUNDLE", "VERSION", "STATE", "DELIVERED", "FAILED",
                "TIMEOUTS", "DROPPED", "REPLAYED", "QUEUE", "LAST STEP");
        for (ListenerStatus s : all) {
            t.row(s.name(), String.valueOf(s.bundleId()), s.bundleVersion(), s.state(),
                    String.valueOf(s.delivered()), String.valueOf(s.failed()),
                    String.valueOf(s.timeouts()), String.valueOf(s.dropped()),
                    String.valueOf(s.replayed()), String.valueOf(s.queueDepth()),
                    s.lastStep() < 0 ? "-" : String.valueOf(s.lastStep()));
        }
        return t.toString();
    }
}
