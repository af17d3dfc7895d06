package dev.cohort.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

/**
 * Reward functions in the runtime: the built-in ones are registered, a reward bundle installed
 * between two scorings is used by the second, a missing name fails with the registered names,
 * a failing function gives NaN and the others still score.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RewardWhiteboardIT extends CohortTestSupport {

    @Test
    public void rewardBundlesAreHotDiscoveredBetweenScorings() throws Exception {
        Path data = Files.createTempFile("cohort-score", ".jsonl");
        Files.write(data, List.of(
                "{\"prompt\":\"What is 2+2?\",\"completion\":\"The answer is 4\",\"answer\":\"4\"}",
                "{\"prompt\":\"What is 2+2?\",\"completion\":\"I believe the answer is 5\",\"answer\":\"4\"}",
                "{\"prompt\":\"Capital of France?\",\"completion\":\"The answer is Paris.\",\"answer\":\"Paris\"}",
                "{\"prompt\":\"Capital of France?\",\"completion\":\"Lyon\",\"answer\":\"Paris\"}"));
        String fns = gogo("cohort:rewardfns");
        assertTrue(fns, fns.contains("accuracy") && fns.contains("format") && fns.contains("length"));

        String missing = gogoOrError("cohort:score -w 100 " + data + " accuracy brevity=0.5");
        assertEquals("ERROR: reward function [brevity] not registered after waiting 100 ms;"
                + " registered: [accuracy, format, length]", missing.trim());

        Bundle brevity = context.installBundle("test:brevity", new ByteArrayInputStream(
                TestBundles.reward("cohort.itest.brevity", "1.0.0", "brevity", "brevity")));
        brevity.start();
        String scored = gogo("cohort:score " + data + " accuracy brevity=0.5");
        assertTrue(scored, scored.matches("(?s).*accuracy\\s+1\\.000\\s+0\\.5000\\s+0\\.5774\\s+0\\s.*"));
        // brevity: -len/10 of 15, 25, 20, 4 characters: mean -1.6
        assertTrue(scored, scored.matches("(?s).*brevity\\s+0\\.500\\s+-1\\.6000\\s.*"));
        // total = accuracy + 0.5 * brevity: (1 - 0.75 + 0 - 1.25 + 1 - 1.0 + 0 - 0.2) / 4
        assertTrue(scored, scored.matches("(?s).*total \\(weighted\\)\\s+-0\\.3000\\s.*"));

        Bundle flaky = context.installBundle("test:flaky", new ByteArrayInputStream(
                TestBundles.reward("cohort.itest.flaky", "1.0.0", "flaky", "throw")));
        flaky.start();
        String withFailure = gogo("cohort:score " + data + " accuracy flaky");
        assertTrue(withFailure, withFailure.matches("(?s).*flaky\\s+1\\.000\\s+NaN\\s+NaN\\s+4\\s.*"));
        assertTrue(withFailure, withFailure.matches("(?s).*accuracy\\s+1\\.000\\s+0\\.5000\\s.*"));
        String failRun = gogoOrError("cohort:score -f " + data + " flaky");
        assertTrue(failRun, failRun.startsWith("ERROR: Reward function 'flaky' (bundle " + flaky.getBundleId()
                + ") threw java.lang.IllegalStateException: test reward flaky fails on step 0"));

        String table = gogo("cohort:rewardfns");
        assertTrue(table, table.matches("(?s).*brevity\\s+" + brevity.getBundleId() + "\\s+1\\.0\\.0\\s+selected\\s+1\\s+0\\s+0.*"));
        assertTrue(table, table.matches("(?s).*flaky\\s+" + flaky.getBundleId() + "\\s+1\\.0\\.0\\s+selected\\s+2\\s+2\\s+0.*"));

        brevity.uninstall();
        flaky.uninstall();
        String gone = gogoOrError("cohort:score " + data + " brevity");
        assertTrue(gone, gone.startsWith("ERROR: reward function [brevity] not registered after waiting 0 ms"));
    }
}
