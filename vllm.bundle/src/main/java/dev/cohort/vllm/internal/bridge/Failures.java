package dev.cohort.vllm.internal.bridge;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** What failed on which worker during one engine call, and the report naming every worker. */
final class Failures {

    private final List<String> all = new CopyOnWriteArrayList<>();

    void add(String workerId, String reason) {
        all.add(workerId + ": " + reason);
    }

    List<String> of(String workerId) {
        List<String> out = new ArrayList<>();
        for (String f : all) {
            if (f.startsWith(workerId + ": ")) {
                out.add(f.substring(workerId.length() + 2));
            }
        }
        return out;
    }

    /** Every worker with its state and version, and what failed on it (or its last error). */
    String describe(List<WorkerHandle> workers) {
        if (workers.isEmpty()) {
            return "workers: none configured (create factory configurations of " + WorkerComponent.FACTORY_PID + ")";
        }
        StringBuilder sb = new StringBuilder("workers: ");
        for (int i = 0; i < workers.size(); i++) {
            WorkerHandle.Status s = workers.get(i).status();
            sb.append(i == 0 ? "" : "; ").append(s.id()).append(" (").append(s.state().label())
                    .append(", weights version ").append(s.weightsVersion()).append(")");
            List<String> mine = of(s.id());
            if (!mine.isEmpty()) {
                sb.append(" failed: ").append(String.join(", ", mine));
            } else if (s.lastError() != null) {
                sb.append(" last error: ").append(s.lastError());
            }
        }
        return sb.toString();
    }
}
