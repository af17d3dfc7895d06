package dev.cohort.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/** install / start / update / stop / uninstall typed into Gogo as a user would. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class GogoIT extends CohortTestSupport {

    @After
    public void cleanUp() {
        unregisterSinks();
    }

    @Test
    public void pluginLifecycleThroughTheShell() throws Exception {
        Path dir = Files.createTempDirectory("cohort-gogo");
        Path v1 = TestBundles.write(TestBundles.listener("cohort.itest.gogo", "1.0.0", "gogo-rec",
                "record", Map.of()), dir.resolve("gogo-rec-1.0.0.jar"));
        Path v2 = TestBundles.write(TestBundles.listener("cohort.itest.gogo", "1.0.1", "gogo-rec",
                "record", Map.of()), dir.resolve("gogo-rec-1.0.1.jar"));
        Received received = sink("gogo-rec");

        String installed = gogo("install " + v1.toUri());
        Matcher m = Pattern.compile("Bundle ID: (\\d+)").matcher(installed);
        assertTrue(installed, m.find());
        String id = m.group(1);
        assertTrue(gogo("lb").contains("Cohort test listener gogo-rec"));
        assertEquals("", gogo("start " + id).trim());

        publishSteps(0, 5);
        await(() -> received.steps.size() == 5);
        String listeners = gogo("cohort:listeners");
        assertTrue(listeners, listeners.matches("(?s).*gogo-rec\\s+" + id + "\\s+1\\.0\\.0\\s+active\\s+5\\s+0\\s+0\\s+0\\s+0\\s+0\\s+0\\s+4.*"));

        assertEquals("", gogo("update " + id + " " + v2.toUri()).trim());
        publishSteps(5, 10);
        await(() -> received.steps.size() == 10);
        assertEquals(ListenerLifecycleIT.range(0, 10), received.steps);
        assertTrue(received.labels.get(9).startsWith("1.0.1#"));
        listeners = gogo("cohort:listeners");
        assertTrue(listeners, listeners.matches("(?s).*gogo-rec\\s+" + id + "\\s+1\\.0\\.1\\s+active.*"));
        assertTrue(gogo("lb").contains("1.0.1"));

        gogo("stop " + id);
        publishSteps(10, 12);
        Thread.sleep(100);
        assertEquals(10, received.steps.size());
        assertFalse(gogo("cohort:listeners").contains("gogo-rec"));

        gogo("uninstall " + id);
        assertFalse(gogo("lb").contains("gogo-rec"));
    }

    private void publishSteps(long from, long to) {
        for (long s = from; s < to; s++) {
            publisher.publish(batch("run-gogo", s));
        }
    }
}
