package dev.cohort.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

/** A listener that throws on every call and one that blocks forever cannot hold training up. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class IsolationIT extends CohortTestSupport {

    /** core's default publish_wait_ms: the longest one publish may wait for full queues. */
    static final long PUBLISH_BOUND_MS = 1_000;

    @After
    public void cleanUp() {
        unregisterSinks();
    }

    @Test
    public void throwingAndBlockingListenersDoNotSlowPublishOrStarveOthers() throws Exception {
        Received steady = sink("steady");
        Bundle thrower = installListener("thrower", "throw", Map.of());
        Bundle blocker = installListener("stuck", "block",
                Map.of("Cohort-Test-Timeout-Ms", "100", "Cohort-Test-Queue", "2"));
        Bundle recorder = installListener("steady", "record", Map.of());

        long worst = 0;
        for (long step = 0; step < 300; step++) {
            long t0 = System.nanoTime();
            publisher.publish(batch("run-isolation", step));
            worst = Math.max(worst, System.nanoTime() - t0);
            Thread.sleep(1);
        }
        await(() -> steady.steps.size() == 300);
        assertEquals(ListenerLifecycleIT.range(0, 300), steady.steps);
        assertTrue("slowest publish took " + TimeUnit.NANOSECONDS.toMillis(worst) + " ms",
                TimeUnit.NANOSECONDS.toMillis(worst) < PUBLISH_BOUND_MS + 2_000);

        await(() -> row("thrower")[5].equals("300"));
        String[] stuck = row("stuck");
        assertEquals(Arrays.toString(stuck), "blacklisted", stuck[3]);
        assertEquals(Arrays.toString(stuck), "3", stuck[6]);
        String[] ok = row("steady");
        assertEquals("active", ok[3]);
        assertEquals("300", ok[4]);

        thrower.uninstall();
        blocker.uninstall();
        recorder.uninstall();
    }

    /** The row of cohort:listeners for one listener, split into columns. */
    private String[] row(String name) {
        String table;
        try {
            table = gogo("cohort:listeners");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        for (String line : table.split("\n")) {
            String[] cols = line.trim().split("\\s+");
            if (cols[0].equals(name)) {
                return cols;
            }
        }
        throw new AssertionError("no row for " + name);
    }
}
