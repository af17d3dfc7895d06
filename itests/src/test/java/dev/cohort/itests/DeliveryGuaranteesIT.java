package dev.cohort.itests;

import static dev.cohort.itests.ListenerLifecycleIT.range;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.cohort.api.training.TrainingMetrics;
import dev.cohort.api.training.TrainingPublisher;
import dev.cohort.itests.bundles.TestListenerActivator;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

/**
 * Issue 18's delivery cases on the real runtime, with core's default settings: a listener bundle
 * stopped for more than 64 batches, one uninstalled and installed again (what FileInstall does
 * when a jar leaves deploy/ and comes back), and a brand-new bundle reusing the name of a
 * listener that left during a run that has since ended. Each receives every batch exactly once,
 * or the loss is counted and shown by {@code cohort:listeners} with its steps.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DeliveryGuaranteesIT extends CohortTestSupport {

    private final List<ServiceRegistration<?>> sinks = new ArrayList<>();

    @After
    public void cleanUp() {
        unregisterSinks();
        sinks.forEach(ServiceRegistration::unregister);
        sinks.clear();
    }

    private void publish(String run, long from, long to) {
        for (long step = from; step < to; step++) {
            publisher.publish(batch(run, step));
        }
    }

    /** The columns of a listener's row in cohort:listeners. */
    private List<String> row(String name) throws Exception {
        String table = gogo("cohort:listeners");
        return Arrays.stream(table.split("\n")).filter(l -> l.startsWith(name + " "))
                .map(l -> Arrays.asList(l.trim().split("\\s+"))).findFirst()
                .orElseThrow(() -> new AssertionError(name + " not in\n" + table));
    }

    /** DROPPED, MISSED and REPLAYED of a listener, as cohort:listeners shows them. */
    private List<String> losses(String name) throws Exception {
        List<String> r = row(name);
        return List.of(r.get(7), r.get(8), r.get(9));
    }

    @Test
    public void trainingListenersAreNamedByTheirOwnPropertyOrTheOldSharedOne() throws Exception {
        List<Object> own = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Object> legacy = new java.util.concurrent.CopyOnWriteArrayList<>();
        registerSink("metrics-own", own);
        registerSink("metrics-legacy", legacy);
        Bundle a = installListener("metrics-own", "record-metrics", Map.of());
        Bundle b = installListener("metrics-legacy", "record-metrics-legacy", Map.of());
        ServiceReference<TrainingPublisher> ref = context.getServiceReference(TrainingPublisher.class);
        TrainingPublisher metrics = context.getService(ref);
        for (long step = 1; step <= 3; step++) {
            metrics.publish(new TrainingMetrics("run-metrics", step, 10, Map.of("reward", 0.5), null));
        }
        await(() -> own.size() == 3 && legacy.size() == 3);
        String table = gogo("cohort:listeners");
        assertTrue(table, table.contains("Training listeners:"));
        assertTrue(table, table.matches("(?s).*\\nmetrics-own\\s+\\d+\\s+1\\.0\\.0\\s+active\\s+3\\s.*"));
        assertTrue(table, table.matches("(?s).*\\nmetrics-legacy\\s+\\d+\\s+1\\.0\\.0\\s+active\\s+3\\s.*"));
        context.ungetService(ref);
        a.uninstall();
        b.uninstall();
    }

    private void registerSink(String name, List<Object> into) {
        java.util.Hashtable<String, Object> props = new java.util.Hashtable<>();
        props.put(TestListenerActivator.SINK, name);
        sinks.add(context.registerService(BiConsumer.class, (BiConsumer<String, Object>) (label, m) -> into.add(m), props));
    }

    @Test
    public void bundleStoppedFor120BatchesReceivesThemAllWhenStarted() throws Exception {
        Received received = sink("paused");
        Bundle b = installListener("paused", "record", Map.of());
        publish("run-paused", 0, 10);
        await(() -> received.steps.size() == 10);
        b.stop();
        publish("run-paused", 10, 130);
        b.start();
        publish("run-paused", 130, 140);
        await(() -> received.steps.size() >= 140);
        Thread.sleep(100);
        assertEquals(range(0, 140), received.steps);
        assertEquals(List.of("0", "0", "120"), losses("paused"));
        b.uninstall();
    }

    @Test
    public void bundleUninstalledAndInstalledAgainReceivesWhatItMissed() throws Exception {
        Received received = sink("redeployed");
        Bundle first = installListener("redeployed", "record", Map.of());
        publish("run-redeploy", 0, 5);
        await(() -> received.steps.size() == 5);
        first.uninstall();
        publish("run-redeploy", 5, 80);
        Bundle second = installListener("redeployed", "record", Map.of());
        assertTrue(second.getBundleId() != first.getBundleId());
        publish("run-redeploy", 80, 85);
        await(() -> received.steps.size() >= 85);
        Thread.sleep(100);
        assertEquals(range(0, 85), received.steps);
        assertEquals(List.of("0", "0", "75"), losses("redeployed"));
        second.uninstall();
    }

    @Test
    public void newBundleReusingANameGetsNoBatchOfARunThatEndedBeforeItRegistered() throws Exception {
        Received received = sink("reused");
        Bundle old = installListener("reused", "record", Map.of());
        publish("run-ended", 0, 5);
        await(() -> received.steps.size() == 5);
        old.uninstall();
        publish("run-ended", 5, 50);
        publisher.endRun("run-ended");
        Bundle fresh = context.installBundle("test:reused-new", new ByteArrayInputStream(
                TestBundles.listener("cohort.itest.another", "1.0.0", "reused", "record", Map.of())));
        fresh.start();
        publish("run-next", 0, 4);
        await(() -> received.steps.size() >= 9);
        Thread.sleep(100);
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 0L, 1L, 2L, 3L), received.steps);
        assertEquals(List.of("0", "45", "0"), losses("reused"));
        assertTrue(gogo("cohort:listeners"), gogo("cohort:listeners")
                .contains("reused missed: steps 5-49 of run run-ended (ended)"));
        fresh.uninstall();
    }
}
