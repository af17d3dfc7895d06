package dev.cohort.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

import dev.cohort.api.rollout.RolloutBatch;
import dev.cohort.api.rollout.RolloutListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceRegistration;

/**
 * A GRPO run scored by reward functions written in Python for TRL: the worked example
 * examples/rewards/gsm8k_rewards.py, served by the python-rewards bundle from the run's own
 * {@code plugins:} section. Every reward of every step is checked against the rule the example
 * implements, recomputed here; deleting the configuration withdraws the functions and ends the
 * Python process.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class PythonRewardsIT extends CohortTestSupport {

    private static final Pattern AFTER_HASHES = Pattern.compile("-?\\$?\\s*\\d[\\d,]*(?:\\.\\d+)?");

    @Configuration
    @Override
    public Option[] config() {
        return OptionUtils.combine(super.config(), provision("python-rewards"));
    }

    @Test
    public void aGrpoRunIsScoredByTrlRewardFunctionsInPython() throws Exception {
        assumeTrue("python3 is needed to serve reward functions in Python", python3());
        Path examples = Path.of(System.getProperty("cohort.examples", "../examples")).toAbsolutePath().normalize();
        Path module = examples.resolve("rewards/gsm8k_rewards.py");
        Path dir = Files.createTempDirectory("cohort-python-rewards");
        Files.write(dir.resolve("sums.jsonl"), List.of("{\"prompt\":\"12+30=\",\"answer\":\"12+30=42\\n#### 42\"}",
                "{\"prompt\":\"5+4=\",\"answer\":\"#### 9\"}", "{\"prompt\":\"1+1=\",\"answer\":\"#### 2\"}"));
        Path yaml = dir.resolve("py-run.yaml");
        Files.writeString(yaml, String.join("\n", "model: tiny", "tokenizer: char",
                "tokenizer_alphabet: \"0123456789+=# \"", "dataset: sums.jsonl",
                "reward_funcs: [gsm8k_accuracy, gsm8k_format]", "max_steps: 4", "per_device_train_batch_size: 4",
                "num_generations: 4", "max_completion_length: 6", "learning_rate: 0.001", "output_dir: runs",
                "run_name: py-run", "plugins:", "  dev.cohort.plugins.python.rewards~itgsm:", "    python: python3",
                "    module: " + module, "    functions: [gsm8k_accuracy=accuracy_reward, gsm8k_format=format_reward]",
                "    timeout_ms: 20000", ""));
        List<RolloutBatch> seen = new CopyOnWriteArrayList<>();
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(RolloutListener.NAME, "python-rewards-it");
        ServiceRegistration<RolloutListener> reg = context.registerService(RolloutListener.class, seen::add, props);
        try {
            String id = gogo("cohort:train " + yaml).trim();
            String end = awaitEnd(id);
            assertTrue(end, end.contains(" finished "));
            await(() -> seen.size() >= 4);
        } finally {
            reg.unregister();
        }
        for (RolloutBatch b : seen) {
            assertEquals(List.of("gsm8k_accuracy", "gsm8k_format"), b.rewardNames());
            for (int i = 0; i < b.size(); i++) {
                String c = b.completions().get(i);
                assertEquals(c, accuracy(c, answerOf(b.prompts().get(i))), b.reward("gsm8k_accuracy", i), 0);
                assertEquals(c, c.matches("(?s).*####\\s*\\$?-?[0-9][0-9,.]*\\s*") ? 1.0 : 0.0,
                        b.reward("gsm8k_format", i), 0);
            }
        }
        String fns = gogo("cohort:rewardfns");
        assertTrue(fns, fns.contains("gsm8k_accuracy") && fns.contains("gsm8k_format"));

        configAdmin.getFactoryConfiguration("dev.cohort.plugins.python.rewards", "itgsm", "?").delete();
        await(() -> !gogoOrError("cohort:rewardfns").contains("gsm8k_accuracy"));
        await(() -> ProcessHandle.current().descendants().noneMatch(p -> p.info().commandLine()
                .map(l -> l.contains(module.toString())).orElse(false)));
        assertFalse(ProcessHandle.current().descendants().anyMatch(p -> p.isAlive() && p.info().commandLine()
                .map(l -> l.contains("cohort_reward_server.py")).orElse(false)));
    }

    private static String answerOf(String prompt) {
        return switch (prompt) {
            case "12+30=" -> "42";
            case "5+4=" -> "9";
            case "1+1=" -> "2";
            default -> throw new AssertionError("unexpected prompt " + prompt);
        };
    }

    /** The example's rule: the last number after the completion's last #### equals the answer. */
    private static double accuracy(String completion, String answer) {
        int at = completion.lastIndexOf("####");
        if (at < 0) {
            return 0;
        }
        Matcher m = AFTER_HASHES.matcher(completion.substring(at + 4));
        String last = null;
        while (m.find()) {
            last = m.group();
        }
        if (last == null) {
            return 0;
        }
        String n = last.replace(",", "").replace("$", "").replace(" ", "");
        return new java.math.BigDecimal(n).compareTo(new java.math.BigDecimal(answer)) == 0 ? 1 : 0;
    }

    private static boolean python3() {
        try {
            Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
