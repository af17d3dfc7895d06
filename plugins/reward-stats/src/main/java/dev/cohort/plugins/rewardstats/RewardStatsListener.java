package dev.cohort.plugins.rewardstats;

import dev.cohort.api.rollout.RolloutBatch;
import dev.cohort.api.rollout.RolloutListener;
import dev.cohort.api.rollout.RolloutListenerService;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Reward analysis of a running job: keeps the statistics of the last steps and shows them with
 * the Gogo command {@code cohort:rewards}.
 */
@Component(service = {RolloutListener.class, RewardStatsListener.class},
        configurationPid = RewardStatsListener.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
        property = {"osgi.command.scope=cohort", "osgi.command.function=rewards"})
@Designate(ocd = RewardStatsListener.Config.class)
@RolloutListenerService(name = "reward-stats")
public final class RewardStatsListener implements RolloutListener {

    public static final String PID = "dev.cohort.plugins.rewardstats";

    @ObjectClassDefinition(name = "Cohort reward-stats",
            description = "Per-step reward statistics of the running job.")
    public @interface Config {
        @AttributeDefinition(description = "Steps kept for cohort:rewards.")
        int window() default 200;
    }

    private final int window;
    private final ArrayDeque<StepStats> recent = new ArrayDeque<>();

    @Activate
    public RewardStatsListener(Config config) {
        if (config.window() < 1) {
            throw new IllegalArgumentException(PID + ": window must be >= 1, got " + config.window());
        }
        this.window = config.window();
    }

    @Override
    public void onRolloutsScored(RolloutBatch batch) {
        StepStats stats = StepStats.of(batch);
        synchronized (recent) {
            if (recent.size() == window) {
                recent.removeFirst();
            }
            recent.addLast(stats);
        }
    }

    List<StepStats> last(int n) {
        synchronized (recent) {
            List<StepStats> all = new ArrayList<>(recent);
            return all.subList(Math.max(0, all.size() - n), all.size());
        }
    }

    @Descriptor("reward statistics of the last scored steps: mean and std per reward function and in total,"
            + " fraction of groups with zero reward std, completion length, fraction truncated")
    public String rewards(@Descriptor("number of steps") @Parameter(names = {"-n", "--steps"}, absentValue = "10") int n) {
        return format(last(n));
    }

    static String format(List<StepStats> steps) {
        if (steps.isEmpty()) {
            return "no scored batches yet";
        }
        Set<String> names = new LinkedHashSet<>();
        steps.forEach(s -> names.addAll(s.rewards().keySet()));
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-16s %6s", "RUN", "STEP"));
        for (String name : names) {
            sb.append(String.format(Locale.ROOT, " %17s", trim(name, 17)));
        }
        sb.append(String.format(Locale.ROOT, " %17s %9s %8s %8s%n", "total", "zero_std", "len", "clipped"));
        for (StepStats s : steps) {
            sb.append(String.format(Locale.ROOT, "%-16s %6d", trim(s.runId(), 16), s.step()));
            for (String name : names) {
                StepStats.Moments m = s.rewards().get(name);
                sb.append(' ').append(m == null ? String.format("%17s", "-") : moments(m));
            }
            sb.append(' ').append(moments(s.total()));
            sb.append(String.format(Locale.ROOT, " %9.2f %8.1f %8.2f%n", s.fracRewardZeroStd(),
                    s.completionLengthMean(), s.clippedRatio()));
        }
        return sb.toString().stripTrailing();
    }

    private static String moments(StepStats.Moments m) {
        return String.format(Locale.ROOT, "%8.3f ±%7.3f", m.mean(), m.std());
    }

    private static String trim(String s, int width) {
        return s.length() <= width ? s : s.substring(0, width - 1) + "~";
    }
}
