package dev.cohort.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A third-party plugin author's path, end to end: {@code ./cohort new-plugin} scaffolds a
 * standalone Maven project outside Cohort's tree, {@code mvn package} builds it against the
 * plugin API artifact alone (its own tests included), and the jar hot-installs into a running
 * runtime through the Gogo shell, where a training run uses its reward function (configured
 * through the run's {@code plugins:} section) and delivers every step to its rollout and
 * training listeners.
 *
 * <p>Like {@code mvn install} in Cohort's folder, the test puts the API artifact and its parent
 * pom into the build's local Maven repository first; the plugin then builds offline.
 */
class PluginScaffoldIT {

    private static final Path ROOT = Path.of(System.getProperty("cohort.root", "..")).toAbsolutePath().normalize();
    private static final int MAX_TOKENS = 2;

    @Test
    void aScaffoldedPluginBuildsOutsideTheTreeAndHotInstallsIntoARunningJob() throws Exception {
        Path tmp = Files.createTempDirectory("cohort-new-plugin");
        Path project = tmp.resolve("demo-plugin");
        run(tmp, "bash", ROOT.resolve("cohort").toString(), "new-plugin", "demo-plugin",
                "--listener", "--training-listener", "--reward", "--dir", project.toString());
        installApi(tmp);
        run(project, maven("-o", "-q", "-B", "package"));
        Path jar = project.resolve("target/demo-plugin-0.1.0-SNAPSHOT.jar");
        assertTrue(Files.isRegularFile(jar), "mvn package made no " + jar);
        assertTestsPassed(project, "DemoPluginListenerTest", "DemoPluginTrainingListenerTest", "DemoPluginRewardTest");

        Path work = tmp.resolve("work");
        Path yaml = writeRunConfig(work);
        try (RuntimeProcess runtime = RuntimeProcess.start(work)) {
            runtime.awaitOutput(o -> o.contains("g! "), "Gogo prompt", 60);
            String installed = runtime.poll("install " + jar.toUri(), o -> o.contains("Bundle ID:"), "install");
            Matcher id = Pattern.compile("Bundle ID: (\\d+)").matcher(installed);
            assertTrue(id.find(), installed);
            runtime.send("start " + id.group(1));
            runtime.poll("cohort:listeners", o -> o.matches("(?s).*demo-plugin\\s+" + id.group(1) + "\\s+\\S+\\s+active\\s.*"),
                    "the scaffolded listener in cohort:listeners");
            runtime.send("cohort:train " + yaml);
            runtime.poll("cohort:listeners", o -> o.matches("(?s).*demo-plugin\\s+\\d+\\s+\\S+\\s+active\\s+3\\s.*")
                    && o.matches("(?s).*demo-plugin-metrics\\s+\\d+\\s+\\S+\\s+active\\s+3\\s.*")
                    && o.matches("(?s).*trace-jsonl\\s+\\d+\\s+\\S+\\s+active\\s+3\\s.*"), "3 steps delivered to each listener");
            runtime.closeInput();
            assertEquals(117, runtime.waitFor(60), runtime.output());
        }
        assertRewardsFollowTheConfiguredLimit(work.resolve("traces/scaffold.jsonl"));
    }

    private static Path writeRunConfig(Path work) throws IOException {
        Files.createDirectories(work);
        Path yaml = work.resolve("scaffold.yaml");
        Files.writeString(yaml, String.join("\n", "model: tiny", "tokenizer: char",
                "tokenizer_alphabet: \"0123456789+=\"", "dataset: builtin:addition",
                "reward_funcs: [accuracy, demo-plugin]", "num_generations: 4", "per_device_train_batch_size: 8",
                "max_completion_length: 4", "max_steps: 3", "run_name: scaffold", "plugins:",
                "  org.example.demoplugin.reward:", "    max_tokens: " + MAX_TOKENS, ""));
        return yaml;
    }

    /** The template's reward: 1 up to max_tokens, then linear to 0 at twice that. */
    private static void assertRewardsFollowTheConfiguredLimit(Path trace) throws IOException {
        List<String> lines = Files.readAllLines(trace);
        assertEquals(3 * 8, lines.size(), "trace of every sample of 3 steps");
        ObjectMapper json = new ObjectMapper();
        for (String line : lines) {
            JsonNode sample = json.readTree(line);
            int tokens = sample.get("completion_tokens").asInt();
            double expected = tokens <= MAX_TOKENS ? 1.0 : Math.max(0.0, 1.0 - (double) (tokens - MAX_TOKENS) / MAX_TOKENS);
            assertEquals(expected, sample.get("rewards").get("demo-plugin").asDouble(), 1e-12, line);
        }
    }

    private static void assertTestsPassed(Path project, String... tests) throws IOException {
        for (String test : tests) {
            Path report = project.resolve("target/surefire-reports/TEST-org.example.demoplugin." + test + ".xml");
            assertTrue(Files.isRegularFile(report), "the scaffold's " + test + " did not run");
            String xml = Files.readString(report);
            assertTrue(xml.contains("failures=\"0\"") && xml.contains("errors=\"0\"") && !xml.contains("tests=\"0\""), xml);
        }
    }

    /** Puts cohort-parent (cnf/pom.xml) and dev.cohort.api into the local repository. */
    private static void installApi(Path dir) throws Exception {
        Path api = Path.of(System.getProperty("cohort.bundle.api"));
        String repo = System.getProperty("cohort.maven.repo.local", "");
        if (!repo.isBlank() && api.toAbsolutePath().startsWith(Path.of(repo).toAbsolutePath())) {
            return; // the build took it from there: it is installed already
        }
        String install = "org.apache.maven.plugins:maven-install-plugin:3.1.3:install-file";
        run(dir, maven("-o", "-q", "-B", install, "-Dfile=" + ROOT.resolve("cnf/pom.xml"),
                "-DpomFile=" + ROOT.resolve("cnf/pom.xml"), "-Dpackaging=pom"));
        run(dir, maven("-o", "-q", "-B", install, "-Dfile=" + api,
                "-DpomFile=" + ROOT.resolve("core.bundle/api/pom.xml")));
    }

    private static String[] maven(String... args) {
        List<String> command = new ArrayList<>(List.of("mvn"));
        String repo = System.getProperty("cohort.maven.repo.local");
        if (repo != null && !repo.isBlank()) {
            command.add("-Dmaven.repo.local=" + repo);
        }
        command.addAll(List.of(args));
        return command.toArray(String[]::new);
    }

    private static void run(Path dir, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), String.join(" ", command) + " did not end");
        assertEquals(0, p.exitValue(), String.join(" ", command) + " failed:\n" + out);
    }
}
