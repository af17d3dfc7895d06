package dev.cohort.trainer.internal.reward;

import dev.cohort.api.reward.RewardInput;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@code cohort:rewardfns} and {@code cohort:score}: the reward functions, in the shell. */
@Component(service = RewardCommands.class, immediate = true, property = {
    "osgi.command.scope=cohort", "osgi.command.function=rewardfns", "osgi.command.function=score"})
public final class RewardCommands {

    private final RewardScoring scoring;
    private final ScoreFile files = new ScoreFile();

    @Activate
    public RewardCommands(@Reference RewardScoring scoring) {
        this.scoring = scoring;
    }

    @Descriptor("list registered reward functions with their call counters")
    public String rewardfns() {
        List<RewardScoring.RewardStatus> all = scoring.functions();
        if (all.isEmpty()) {
            return "no reward functions registered";
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-20s %7s %-16s %-9s %7s %9s %9s %8s%n",
                "NAME", "BUNDLE", "VERSION", "STATE", "CALLS", "FAILURES", "TIMEOUTS", "LAST MS"));
        for (RewardScoring.RewardStatus s : all) {
            sb.append(String.format(Locale.ROOT, "%-20s %7d %-16s %-9s %7d %9d %9d %8s%n", s.name(),
                    s.bundleId(), s.bundleVersion(), s.selected() ? "selected" : "shadowed", s.calls(),
                    s.failures(), s.timeouts(), s.lastMillis() < 0 ? "-" : String.valueOf(s.lastMillis())));
        }
        return sb.toString().stripTrailing();
    }

    @Descriptor("score the completions of a JSON-lines file (prompt, completion, dataset fields) with reward functions")
    public String score(
            @Descriptor("budget of one function call in ms") @Parameter(names = {"-t", "--timeout"}, absentValue = "60000") long timeoutMs,
            @Descriptor("how long to wait for functions not registered yet, in ms") @Parameter(names = {"-w", "--wait"}, absentValue = "0") long waitMs,
            @Descriptor("fail instead of giving a failing function NaN rewards") @Parameter(names = {"-f", "--fail"}, presentValue = "true", absentValue = "false") boolean fail,
            @Descriptor("JSON-lines file") String file,
            @Descriptor("reward functions: name or name=weight") String... functions) throws IOException, InterruptedException {
        if (functions.length == 0) {
            return "name at least one reward function; registered: " + names();
        }
        List<RewardSpec> specs = new ArrayList<>();
        for (String f : functions) {
            specs.add(RewardSpec.parse(f));
        }
        RewardInput input = files.read(Path.of(file).toAbsolutePath());
        RewardColumns columns = scoring.score(specs, input, new ScoringPolicy(timeoutMs, fail, waitMs));
        return summary(columns, input.size());
    }

    private List<String> names() {
        List<String> names = new ArrayList<>();
        scoring.functions().forEach(s -> {
            if (s.selected()) {
                names.add(s.name());
            }
        });
        return names;
    }

    static String summary(RewardColumns c, int samples) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-20s %7s %9s %9s %7s%n",
                "FUNCTION", "WEIGHT", "MEAN", "STD", "NO REWARD"));
        double[] total = new double[samples];
        int[] present = new int[samples];
        for (int k = 0; k < c.functions(); k++) {
            double[] v = c.values()[k];
            double sum = 0;
            double sq = 0;
            int n = 0;
            for (int i = 0; i < samples; i++) {
                if (!Double.isNaN(v[i])) {
                    sum += v[i];
                    sq += v[i] * v[i];
                    n++;
                    total[i] += c.weights()[k] * v[i];
                    present[i]++;
                }
            }
            double mean = n == 0 ? Double.NaN : sum / n;
            double std = n < 2 ? Double.NaN : Math.sqrt(Math.max(0, (sq - n * mean * mean) / (n - 1)));
            sb.append(String.format(Locale.ROOT, "%-20s %7.3f %9.4f %9.4f %7d%n", c.names().get(k),
                    c.weights()[k], mean, std, samples - n));
        }
        double sum = 0;
        int n = 0;
        for (int i = 0; i < samples; i++) {
            if (present[i] > 0) {
                sum += total[i];
                n++;
            }
        }
        sb.append(String.format(Locale.ROOT, "%-20s %7s %9.4f %9s %7d%n", "total (weighted)", "",
                n == 0 ? Double.NaN : sum / n, "", samples - n));
        sb.append(samples).append(" samples");
        return sb.toString();
    }
}
