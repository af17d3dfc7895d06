package dev.cohort.itests;

import static dev.cohort.itests.ListenerLifecycleIT.range;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.cohort.api.rollout.RolloutPublisher;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

/**
 * Issue 18: a listener 101 batches behind is updated while core keeps only 64 batches in memory
 * (its queue holds 256). What it had not finished when its drain time ran out comes back to the
 * updated instance from memory and from the spill directory in core's data area: every step
 * exactly once, in order, across the two instances.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DeliveryUpdateIT extends CohortTestSupport {

    @Test
    public void updateOfAListener101BatchesBehindLosesAndRepeatsNothing() throws Exception {
        configure("dev.cohort.core.delivery", Map.of("history_size", 64, "drain_timeout_ms", 300L));
        RolloutPublisher fresh = awaitPublisher();
        Received received = sink("lagging");
        Map<String, String> slow = Map.of("Cohort-Test-Delay-Ms", "20");
        Bundle b = installListener("lagging", "slow", slow);
        for (long step = 0; step < 102; step++) {
            fresh.publish(batch("run-lagging", step));
        }
        assertTrue(row().get(10) + " queued", Integer.parseInt(row().get(10)) > 64);
        b.update(new ByteArrayInputStream(TestBundles.listener("cohort.itest.lagging", "2.0.0", "lagging", "slow", slow)));
        for (long step = 102; step < 110; step++) {
            fresh.publish(batch("run-lagging", step));
        }
        await(() -> received.steps.size() >= 110);
        Thread.sleep(200);
        assertEquals(range(0, 110), received.steps);
        assertEquals(2, new HashSet<>(received.labels).size());
        List<String> r = row();
        assertEquals("2.0.0", r.get(2));
        assertEquals(List.of("0", "0"), List.of(r.get(7), r.get(8)));
        File spill = coreBundle().getDataFile("delivery-spill/rollouts");
        assertTrue("spill directory " + spill, spill != null && spill.isDirectory());
        b.uninstall();
        configAdmin.getConfiguration("dev.cohort.core.delivery", "?").delete();
    }

    private Bundle coreBundle() {
        return Arrays.stream(context.getBundles()).filter(x -> "dev.cohort.core".equals(x.getSymbolicName()))
                .findFirst().orElseThrow();
    }

    private List<String> row() throws Exception {
        String table = gogo("cohort:listeners");
        return Arrays.stream(table.split("\n")).filter(l -> l.startsWith("lagging "))
                .map(l -> new ArrayList<>(Arrays.asList(l.trim().split("\\s+")))).findFirst()
                .orElseThrow(() -> new AssertionError("lagging not in\n" + table));
    }

    private RolloutPublisher awaitPublisher() throws Exception {
        ServiceReference<?>[] found = new ServiceReference<?>[1];
        await(() -> {
            ServiceReference<RolloutPublisher> ref = context.getServiceReference(RolloutPublisher.class);
            if (ref != null && Integer.valueOf(64).equals(ref.getProperty("history_size"))) {
                found[0] = ref;
                return true;
            }
            return false;
        });
        @SuppressWarnings("unchecked")
        ServiceReference<RolloutPublisher> ref = (ServiceReference<RolloutPublisher>) found[0];
        return context.getService(ref);
    }
}
