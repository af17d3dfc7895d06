package dev.cohort.plugins.python.rewards;

import dev.cohort.api.reward.RewardFunction;
import dev.cohort.api.reward.RewardInput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Overhead of one scoring call through the Python reward server against the same function in
 * Java: a length reward ({@code -abs(20 - len(c))}) over 64 and 1024 completions of 200
 * characters, median and p99 of the wall time per call. Not run by the build:
 *
 * <pre>
 * mvn -q -o -pl plugins/python-rewards -am test-compile -P '!python-worker-tests,!python-reward-server-tests'
 * java -cp "$(cat /tmp/cp.txt)" dev.cohort.plugins.python.rewards.PythonRewardsBench
 * </pre>
 */
public final class PythonRewardsBench {

    private PythonRewardsBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("cohort-py-bench");
        Files.writeString(dir.resolve("bench_rewards.py"), "def length(completions, **kwargs):\n"
                + "    return [-abs(20 - len(c)) for c in completions]\n");
        RewardFunction java = in -> {
            double[] r = new double[in.size()];
            for (int i = 0; i < r.length; i++) {
                String c = in.completions().get(i);
                r[i] = -Math.abs(20 - c.codePointCount(0, c.length()));
            }
            return r;
        };
        try (RewardServer server = PythonHere.server(dir, dir.resolve("bench_rewards.py").toString(), 60_000,
                new PythonHere.Lines(), "length")) {
            ServerSettings.Exposed f = new ServerSettings.Exposed("length", "length");
            RewardFunction python = in -> server.score(f, in);
            for (int n : new int[] {64, 1024}) {
                RewardInput in = input(n);
                if (!Arrays.equals(java.score(in), python.score(in))) {
                    throw new AssertionError("Python and Java disagree");
                }
                int calls = n == 64 ? 2000 : 400;
                double[] j = time(java, in, calls);
                double[] p = time(python, in, calls);
                System.out.printf(Locale.ROOT, "n=%4d  java: median %.3f ms p99 %.3f ms | python: median %.3f ms"
                        + " p99 %.3f ms | overhead (median) %.3f ms%n", n, j[0], j[1], p[0], p[1], p[0] - j[0]);
            }
        }
    }

    private static double[] time(RewardFunction f, RewardInput in, int calls) {
        for (int i = 0; i < calls / 4; i++) {
            f.score(in);
        }
        double[] ms = new double[calls];
        for (int i = 0; i < calls; i++) {
            long t0 = System.nanoTime();
            f.score(in);
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return new double[] {ms[calls / 2], ms[(int) Math.ceil(calls * 0.99) - 1]};
    }

    /** n samples: 200-character completions, 50 token ids each, a prompt and an answer column. */
    static RewardInput input(int n) {
        List<String> prompts = new ArrayList<>();
        List<String> completions = new ArrayList<>();
        List<int[]> ids = new ArrayList<>();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            prompts.add("Question " + i / 8 + ": what is 17 * " + i + "?");
            StringBuilder c = new StringBuilder();
            while (c.length() < 200) {
                c.append("step ").append(i).append(" adds ").append(c.length()).append(". ");
            }
            completions.add(c.substring(0, 200));
            int[] t = new int[50];
            Arrays.fill(t, i % 1000);
            ids.add(t);
            rows.add(Map.of("prompt", prompts.get(i), "answer", String.valueOf(17 * i)));
        }
        return RewardInput.of(1, prompts, completions, ids, rows);
    }
}
