package dev.cohort.plugins.dashboard;

import dev.cohort.api.training.TrainingMetrics;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/**
 * The runs, listeners and reward functions of the runtime. Listeners and reward functions come
 * from the service registry (their name properties and bundles, whatever core thinks of them);
 * with Gogo present, the page also gets the text of {@code cohort:runs}, {@code cohort:listeners}
 * and {@code cohort:rewardfns} as a user would see it, and the runs list takes each run's state,
 * ETA and backend from {@code cohort:runs}.
 */
final class SystemInfo {

    private static final String[][] SERVICES = {
        {"rollout listener", "dev.cohort.api.rollout.RolloutListener", "cohort.listener.name"},
        {"training listener", "dev.cohort.api.training.TrainingListener", "cohort.training.listener.name"},
        {"reward function", "dev.cohort.api.reward.RewardFunction", "cohort.reward.name"},
    };
    private static final String[] COMMANDS = {"cohort:runs", "cohort:listeners", "cohort:rewardfns"};

    private final BundleContext context;
    private final Supplier<CommandProcessor> gogo;

    SystemInfo(BundleContext context, Supplier<CommandProcessor> gogo) {
        this.context = context;
        this.gogo = gogo;
    }

    /** {@code {"runs":[...], "services":[...], "commands":{"cohort:runs": text, ...}}}. */
    String json(DashboardStore store, Instant now) {
        Json j = new Json().beginObject();
        String[] texts = new String[COMMANDS.length];
        j.name("commands").beginObject();
        for (int i = 0; i < COMMANDS.length; i++) {
            texts[i] = run(COMMANDS[i]);
            j.field(COMMANDS[i], texts[i]);
        }
        j.endObject();
        runs(j, store, RunStatus.parse(texts[0]), now);
        services(j);
        return j.endObject().toString();
    }

    private static void runs(Json j, DashboardStore store, Map<String, RunStatus> shell, Instant now) {
        j.name("runs").beginArray();
        for (String run : store.runs()) {
            List<TrainingMetrics> points = store.metrics(run);
            TrainingMetrics first = points.get(0);
            TrainingMetrics last = points.get(points.size() - 1);
            RunStatus s = shell.get(run);
            j.beginObject().field("run", run).field("step", last.step()).field("max", last.maxSteps())
                    .field("status", s != null ? s.state() : derivedState(last, now))
                    .field("eta", s != null ? s.eta() : eta(first, last, now))
                    .field("backend", s != null ? s.backend() : "-")
                    .field("outcome", s != null ? s.outcome() : "")
                    .field("reward", last.get("reward")).field("tokens_per_second", last.get("tokens_per_second"))
                    .field("updated", last.time().toEpochMilli()).endObject();
        }
        j.endArray();
    }

    static String derivedState(TrainingMetrics last, Instant now) {
        if (last.step() >= last.maxSteps()) {
            return "finished";
        }
        long silent = Duration.between(last.time(), now).toSeconds();
        return silent > 120 ? "no step for " + format(silent) : "running";
    }

    /** Time left at the pace of the steps seen so far; "-" when that cannot be told. */
    static String eta(TrainingMetrics first, TrainingMetrics last, Instant now) {
        long steps = last.step() - first.step();
        if (steps <= 0 || last.step() >= last.maxSteps()) {
            return "-";
        }
        double perStep = Duration.between(first.time(), last.time()).toMillis() / 1000.0 / steps;
        return format((long) Math.ceil(perStep * (last.maxSteps() - last.step())));
    }

    static String format(long s) {
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, (s % 3600) / 60)
                : s >= 60 ? String.format("%dm%02ds", s / 60, s % 60) : s + "s";
    }

    private void services(Json j) {
        j.name("services").beginArray();
        for (String[] kind : SERVICES) {
            ServiceReference<?>[] refs;
            try {
                refs = context.getAllServiceReferences(kind[1], null);
            } catch (InvalidSyntaxException e) {
                throw new IllegalStateException(e); // no filter is given
            }
            for (ServiceReference<?> r : refs == null ? new ServiceReference<?>[0] : refs) {
                Object name = r.getProperty(kind[2]);
                if (name == null && kind[0].equals("training listener")) {
                    name = r.getProperty("cohort.listener.name");
                }
                j.beginObject().field("kind", kind[0]).field("name", String.valueOf(name))
                        .field("bundle", r.getBundle() == null ? -1 : r.getBundle().getBundleId())
                        .field("symbolicName", r.getBundle() == null ? "" : r.getBundle().getSymbolicName())
                        .field("version", r.getBundle() == null ? "" : r.getBundle().getVersion().toString())
                        .endObject();
            }
        }
        j.endArray();
    }

    /** A read-only Cohort command's text, or null without Gogo (or when it fails). */
    private String run(String command) {
        CommandProcessor processor = gogo.get();
        if (processor == null) {
            return null;
        }
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), sink, sink)) {
            Object result = session.execute(command);
            return result == null ? sink.toString() : String.valueOf(result);
        } catch (Exception e) {
            return command + ": " + e.getMessage();
        }
    }
}
