package dev.cohort.core.internal.shell;

import dev.cohort.core.internal.delivery.DeliveryStatus;
import dev.cohort.core.internal.delivery.ListenerStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * {@code cohort:listeners}: the rollout and training listeners core delivers to, with their
 * counters; below the table, the steps of every listener's dropped and missed batches.
 */
@Component(service = ListenersCommand.class, immediate = true, property = {
    "osgi.command.scope=cohort", "osgi.command.function=listeners"})
public final class ListenersCommand {

    /**
     * Dynamic and greedy: a delivery component that is reconfigured goes and comes back as a new
     * service, and the command must show the new one, not keep the one it started with.
     */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile List<DeliveryStatus> deliveries;

    @Descriptor("list rollout and training listeners: name, bundle, state, delivery counters and the steps they lost")
    public String listeners() {
        List<DeliveryStatus> sorted = new ArrayList<>(deliveries);
        sorted.sort(Comparator.comparing(DeliveryStatus::kind));
        StringBuilder sb = new StringBuilder();
        if (sorted.stream().noneMatch(d -> d.kind().startsWith("rollout"))) {
            sb.append("rollout delivery is not active");
        }
        for (DeliveryStatus d : sorted) {
            List<ListenerStatus> all = d.listeners();
            if (d.kind().startsWith("rollout")) {
                sb.append(format(all));
            } else if (!all.isEmpty()) {
                sb.append("\n\n").append(Character.toUpperCase(d.kind().charAt(0))).append(d.kind().substring(1))
                        .append(":\n").append(format(all));
            }
        }
        return sb.toString();
    }

    static String format(List<ListenerStatus> all) {
        if (all.isEmpty()) {
            return "no rollout listeners registered";
        }
        Table t = new Table("NAME", "BUNDLE", "VERSION", "STATE", "DELIVERED", "FAILED",
                "TIMEOUTS", "DROPPED", "MISSED", "REPLAYED", "QUEUE", "LAST STEP");
        StringBuilder losses = new StringBuilder();
        for (ListenerStatus s : all) {
            t.row(s.name(), String.valueOf(s.bundleId()), s.bundleVersion(), s.state(),
                    String.valueOf(s.delivered()), String.valueOf(s.failed()),
                    String.valueOf(s.timeouts()), String.valueOf(s.dropped()), String.valueOf(s.missed()),
                    String.valueOf(s.replayed()), String.valueOf(s.queueDepth()),
                    s.lastStep() < 0 ? "-" : String.valueOf(s.lastStep()));
            if (s.dropped() > 0) {
                losses.append('\n').append(s.name()).append(" dropped: ").append(s.droppedSteps());
            }
            if (s.missed() > 0) {
                losses.append('\n').append(s.name()).append(" missed: ").append(s.missedSteps());
            }
        }
        return t + losses.toString();
    }
}
