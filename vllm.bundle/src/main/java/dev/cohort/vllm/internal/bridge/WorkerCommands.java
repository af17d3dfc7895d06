package dev.cohort.vllm.internal.bridge;

import java.util.List;
import java.util.Locale;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code cohort:workers} and {@code cohort:reset-prefix-cache}: the inference workers, in the shell. */
@Component(service = WorkerCommands.class, immediate = true, property = {"osgi.command.scope=cohort",
    "osgi.command.function=workers", "osgi.command.function=reset-prefix-cache"})
public final class WorkerCommands {

    private final VllmEngine engine;

    @Activate
    public WorkerCommands(@Reference VllmEngine engine) {
        this.engine = engine;
    }

    @Descriptor("list the inference workers: id, address, state, weights version, calls in flight, errors, last error")
    public String workers() {
        return table(engine.workers().stream().map(WorkerHandle::status).toList());
    }

    static String table(List<WorkerHandle.Status> all) {
        if (all.isEmpty()) {
            return "no inference workers (create factory configurations of " + WorkerComponent.FACTORY_PID + ")";
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-12s %-28s %-10s %8s %9s %7s %8s  %s%n",
                "ID", "ADDRESS", "STATE", "WEIGHTS", "IN FLIGHT", "ERRORS", "RESTARTS", "LAST ERROR"));
        for (WorkerHandle.Status s : all) {
            sb.append(String.format(Locale.ROOT, "%-12s %-28s %-10s %8s %9d %7d %8d  %s%n", s.id(), s.address(),
                    s.state().label(), s.weightsVersion() < 0 ? "-" : String.valueOf(s.weightsVersion()), s.inFlight(),
                    s.errors(), s.restarts(), s.lastError() == null ? "-" : s.lastError()));
        }
        return sb.toString().stripTrailing();
    }

    /** Gogo calls {@code _main} for function names that are not Java names (reset-prefix-cache). */
    @Descriptor("reset-prefix-cache: send reset_prefix_cache (fire and forget) to every connected worker")
    public String _main(String... argv) {
        String name = argv.length == 0 ? "" : argv[0];
        if (name.equals("reset-prefix-cache")) {
            int sent = engine.resetPrefixCache();
            return "reset_prefix_cache sent to " + sent + " of " + engine.workers().size() + " workers"
                    + " (fire and forget: a worker reports a failed reset as a warning event)";
        }
        if (name.equals("workers")) {
            return workers();
        }
        return "unknown command '" + name + "'; try workers or reset-prefix-cache";
    }
}
