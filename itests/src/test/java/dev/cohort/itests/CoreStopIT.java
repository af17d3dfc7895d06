package dev.cohort.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import dev.cohort.api.rollout.RolloutPublisher;
import java.util.Arrays;
import java.util.Map;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

/** Stopping the core bundle ends every delivery thread; starting it again resumes delivery. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class CoreStopIT extends CohortTestSupport {

    @Test
    public void stoppingCoreEndsAllDeliveryThreads() throws Exception {
        Received received = sink("a");
        Bundle a = installListener("a", "record", Map.of());
        for (long s = 0; s < 10; s++) {
            publisher.publish(batch("run-core", s));
        }
        await(() -> received.steps.size() == 10);
        assertTrue(threadAlive("cohort-listener-a"));
        assertTrue(threadAlive("cohort-listener-trace-jsonl"));
        assertTrue(threadAlive("cohort-delivery-watchdog"));

        Bundle core = Arrays.stream(context.getBundles())
                .filter(b -> "dev.cohort.core".equals(b.getSymbolicName())).findFirst().orElseThrow();
        core.stop();
        assertFalse(threadAlive("cohort-listener-a"));
        assertFalse(threadAlive("cohort-listener-trace-jsonl"));
        await(() -> !threadAlive("cohort-delivery-watchdog"));
        assertEquals(ListenerLifecycleIT.range(0, 10), received.steps);

        core.start();
        ServiceReference<RolloutPublisher>[] ref = new ServiceReference[1];
        await(() -> (ref[0] = context.getServiceReference(RolloutPublisher.class)) != null);
        RolloutPublisher fresh = context.getService(ref[0]);
        fresh.publish(batch("run-core", 10));
        await(() -> received.steps.size() == 11);
        assertTrue(threadAlive("cohort-listener-a"));
        a.uninstall();
    }
}
