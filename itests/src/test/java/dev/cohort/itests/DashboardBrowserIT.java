package dev.cohort.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard plugin in the exported runtime, seen in a real headless browser (Debian's
 * chromium through chromium-driver): a short GRPO run started from the shell draws one chart
 * point per logged step, the rollouts view shows the last step's completions with the rewards and
 * advantages that trace-jsonl recorded, and updating the dashboard bundle in the middle of the run
 * leaves the open page working (same document, reconnected, every step there). Screenshots go to
 * {@code target/dashboard-*.png}. Skipped where no browser is installed.
 */
class DashboardBrowserIT {

    private static final int STEPS = 200;
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    @Test
    void theDashboardFollowsATrainingRunAcrossAnUpdateOfItself() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER),
                "no headless browser: install Debian's chromium and chromium-driver (.ci/run does)");
        Path work = Files.createTempDirectory("cohort-dashboard");
        int port = freePort();
        Files.createDirectories(work.resolve("deploy"));
        Files.writeString(work.resolve("deploy/dev.cohort.plugins.dashboard.cfg"), "port=" + port + "\n");
        Path yaml = work.resolve("dash.yaml");
        // The quick start's warm-up model: its rewards vary between completions and groups.
        Path warmup = Path.of(System.getProperty("cohort.examples", "../examples"), "addition/warmup").toAbsolutePath();
        Files.writeString(yaml, String.join("\n", "model: " + warmup.normalize(), "dataset: builtin:addition",
                "reward_funcs: [accuracy]", "num_generations: 8", "per_device_train_batch_size: 32",
                "max_prompt_length: 8", "max_completion_length: 4", "seed: 1",
                "max_steps: " + STEPS, "save_steps: 1000", "run_name: dash", ""));
        String url = "http://127.0.0.1:" + port + "/";
        WebDriver browser = null;
        try (RuntimeProcess runtime = RuntimeProcess.start(work)) {
            runtime.awaitOutput(o -> o.contains("AUDIT [dev.cohort.plugins.dashboard] dashboard at " + url),
                    "the dashboard's address on the console", 120);
            runtime.awaitOutput(o -> o.contains("g! "), "Gogo prompt", 120);
            browser = browser();
            JavascriptExecutor js = (JavascriptExecutor) browser;
            browser.get(url);
            await(browser, "the page connected", () -> "live".equals(browser(js, "return document.getElementById('conn').textContent")));
            js.executeScript("window.sameDocument = 42;");

            runtime.send("cohort:train " + yaml);
            await(browser, "5 steps on the reward chart", () -> points(js, "reward") >= 5);
            update(runtime, work);
            String status = runtime.poll("cohort:status dash", o -> o.contains("dash"), "the run's status");
            assertTrue(status.contains(" running "), "the update came before the run ended: " + status);

            runtime.poll("cohort:status dash", o -> o.contains(" finished "), "the run finished");
            await(browser, STEPS + " points on the reward chart", () -> points(js, "reward") == STEPS);
            List<Long> expected = LongStream.rangeClosed(1, STEPS).boxed().toList();
            for (String chart : List.of("reward", "fn-accuracy", "loss", "grad_norm", "learning_rate",
                    "completion_length", "tokens_per_second", "frac_reward_zero_std", "entropy")) {
                assertEquals(expected, steps(js, chart), "one point per logged step on chart " + chart);
            }
            assertEquals(42L, js.executeScript("return window.sameDocument;"), "the page was not reloaded");
            assertEquals("live", browser(js, "return document.getElementById('conn').textContent"));
            assertTrue(((Number) js.executeScript("return window.cohortDashboard.connections;")).intValue() >= 2,
                    "the page reconnected after the update");
            screenshot(browser, "charts");

            browser.findElement(By.cssSelector("nav button[data-view=rollouts]")).click();
            assertRolloutsMatchTheTrace(browser, js, work.resolve("traces/dash.jsonl"));
            screenshot(browser, "rollouts");
            browser.findElement(By.cssSelector("nav button[data-view=system]")).click();
            await(browser, "the runs list", () -> browser(js,
                    "var r = document.querySelector('#runs tr[data-run=dash]'); return r ? r.textContent : ''")
                    .contains("finished" + STEPS + " / " + STEPS));
            screenshot(browser, "system");
        } finally {
            if (browser != null) {
                browser.quit();
            }
        }
    }

    private static void update(RuntimeProcess runtime, Path work) throws Exception {
        String lb = runtime.poll("lb dashboard", o -> o.contains("Cohort plugin: dashboard"), "the dashboard bundle");
        Matcher id = Pattern.compile("(\\d+)\\|Active\\s*\\|\\s*\\d+\\|Cohort plugin: dashboard").matcher(lb);
        assertTrue(id.find(), lb);
        Path jar = Files.copy(Path.of(System.getProperty("cohort.bundle.dashboard")), work.resolve("dashboard.jar"),
                StandardCopyOption.REPLACE_EXISTING);
        runtime.send("update " + id.group(1) + " " + jar.toUri());
        runtime.awaitOutput(o -> o.indexOf("AUDIT [dev.cohort.plugins.dashboard] dashboard at ")
                != o.lastIndexOf("AUDIT [dev.cohort.plugins.dashboard] dashboard at "), "the updated dashboard's address", 120);
    }

    private static void assertRolloutsMatchTheTrace(WebDriver browser, JavascriptExecutor js, Path trace) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(trace)) {
            lines.add(json.readTree(line));
        }
        long last = lines.get(lines.size() - 1).get("step").asLong();
        List<JsonNode> step = lines.stream().filter(l -> l.get("step").asLong() == last).toList();
        await(browser, "the rollouts of step " + last, () -> Long.valueOf(last).equals(
                js.executeScript("var s = window.cohortDashboard.shown(); return s ? s.step : null;"))
                && ((Number) js.executeScript("return document.querySelectorAll('#groups tr.sample').length")).intValue()
                == step.size());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rows = (List<Map<String, Object>>) js.executeScript(
                "return Array.from(document.querySelectorAll('#groups tr.sample')).map(function (tr) { return {"
                + "index: tr.dataset.index, completion: tr.querySelector('td.completion pre').textContent,"
                + "total: tr.querySelector('td.reward-total').dataset.value,"
                + "accuracy: tr.querySelector('td.reward[data-function=accuracy]').dataset.value,"
                + "advantage: tr.querySelector('td.advantage').dataset.value,"
                + "visible: tr.getClientRects().length > 0}; });");
        assertEquals(step.size(), rows.size());
        assertTrue(step.stream().anyMatch(l -> l.get("total_reward").asDouble() > 0)
                && step.stream().anyMatch(l -> l.get("total_reward").asDouble() == 0), "the step's rewards vary");
        for (Map<String, Object> row : rows) {
            JsonNode sample = step.get(Integer.parseInt((String) row.get("index")));
            String where = "step " + last + " sample " + row.get("index");
            assertEquals(sample.get("completion").asText(), row.get("completion"), where);
            assertEquals(sample.get("rewards").get("accuracy").asDouble(), Double.parseDouble((String) row.get("accuracy")), 1e-9, where);
            assertEquals(sample.get("total_reward").asDouble(), Double.parseDouble((String) row.get("total")), 1e-9, where);
            assertEquals(sample.get("advantage").asDouble(), Double.parseDouble((String) row.get("advantage")), 1e-6, where);
            assertEquals(Boolean.TRUE, row.get("visible"), where);
        }
        String prompt = step.get(0).get("prompt").asText();
        assertTrue(browser(js, "return document.getElementById('groups').textContent").contains(prompt), prompt);
    }

    private static WebDriver browser() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,1000");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private static long points(JavascriptExecutor js, String chart) {
        return ((Number) js.executeScript("return window.cohortDashboard.points(arguments[0], 'dash');", chart)).longValue();
    }

    private static List<Long> steps(JavascriptExecutor js, String chart) {
        List<?> raw = (List<?>) js.executeScript("return window.cohortDashboard.steps(arguments[0], 'dash');", chart);
        return raw.stream().map(v -> ((Number) v).longValue()).toList();
    }

    private static String browser(JavascriptExecutor js, String script) {
        return String.valueOf(js.executeScript(script));
    }

    private static void await(WebDriver browser, String what, java.util.function.BooleanSupplier condition) {
        new WebDriverWait(browser, Duration.ofSeconds(300), Duration.ofMillis(200))
                .withMessage(() -> what + " (page: " + browser.getCurrentUrl() + ")")
                .until(d -> condition.getAsBoolean());
    }

    private static void screenshot(WebDriver browser, String name) throws Exception {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.createDirectories(Path.of("target"));
        Files.copy(shot.toPath(), Path.of("target", "dashboard-" + name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
