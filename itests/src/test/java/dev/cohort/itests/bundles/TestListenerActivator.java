package dev.cohort.itests.bundles;

import dev.cohort.api.rollout.RolloutBatch;
import dev.cohort.api.rollout.RolloutListener;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.CountDownLatch;
import java.util.function.BiConsumer;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;

/**
 * Activator of the listener bundles that the integration tests build on the fly. Its manifest
 * says how it behaves: {@code Cohort-Test-Name} (listener name), {@code Cohort-Test-Behaviour}
 * ({@code record}, {@code slow}, {@code throw}, {@code block}, or {@code record-metrics} and
 * {@code record-metrics-legacy} for a training listener named by its own or the old shared
 * property) and optional {@code Cohort-Test-Timeout-Ms}, {@code Cohort-Test-Queue},
 * {@code Cohort-Test-Delay-Ms} (what {@code slow} takes per batch before it records it;
 * interrupted, it gives the batch up) and {@code Cohort-Test-Stop-File} (see {@link #stop}).
 * Recorded batches go to a {@link BiConsumer} service with {@code cohort.itest.sink=<name>},
 * registered by the test, as (instance label, batch).
 */
public final class TestListenerActivator implements BundleActivator {

    public static final String SINK = "cohort.itest.sink";

    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile ServiceRegistration<?> registration;

    @Override
    public void start(BundleContext context) {
        Dictionary<String, String> headers = context.getBundle().getHeaders();
        String name = headers.get("Cohort-Test-Name");
        String behaviour = headers.get("Cohort-Test-Behaviour");
        String label = context.getBundle().getVersion() + "#" + System.identityHashCode(this);
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(RolloutListener.NAME, name);
        if (headers.get("Cohort-Test-Timeout-Ms") != null) {
            props.put(RolloutListener.TIMEOUT_MS, Long.parseLong(headers.get("Cohort-Test-Timeout-Ms")));
        }
        if (headers.get("Cohort-Test-Queue") != null) {
            props.put(RolloutListener.QUEUE_CAPACITY, Integer.parseInt(headers.get("Cohort-Test-Queue")));
        }
        if (behaviour.startsWith("record-metrics")) {
            if (!behaviour.endsWith("-legacy")) {
                // a training listener's own name property; "record-metrics-legacy" keeps the old shared one
                props.remove(RolloutListener.NAME);
                props.put(dev.cohort.api.training.TrainingListener.LISTENER_NAME, name);
            }
            registration = context.registerService(dev.cohort.api.training.TrainingListener.class,
                    metrics -> record(context, name, label, metrics), props);
            return;
        }
        RolloutListener listener = batch -> {
            switch (behaviour) {
                case "throw":
                    throw new IllegalStateException("test listener " + name + " fails on step " + batch.step());
                case "block":
                    blockUntilStopped();
                    break;
                case "slow":
                    if (pause(Long.parseLong(headers.get("Cohort-Test-Delay-Ms")))) {
                        record(context, name, label, batch);
                    }
                    break;
                default:
                    record(context, name, label, batch);
            }
        };
        registration = context.registerService(RolloutListener.class, listener, props);
    }

    private static boolean pause(long ms) {
        try {
            Thread.sleep(ms);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void blockUntilStopped() {
        while (stopped.getCount() > 0) {
            try {
                stopped.await();
            } catch (InterruptedException ignored) {
                // a badly behaved plugin: ignores interruption
            }
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void record(BundleContext context, String name, String label, Object batch) {
        try {
            Collection<ServiceReference<BiConsumer>> refs = context.getServiceReferences(
                    BiConsumer.class, "(" + SINK + "=" + name + ")");
            for (ServiceReference<BiConsumer> ref : refs) {
                BiConsumer<String, Object> sink = context.getService(ref);
                if (sink != null) {
                    try {
                        sink.accept(label, batch);
                    } finally {
                        context.ungetService(ref);
                    }
                }
            }
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /**
     * With {@code Cohort-Test-Stop-File}, writes that file when the bundle stops: the proof that
     * the framework was stopped (and so every component deactivated) before the process ended.
     */
    @Override
    public void stop(BundleContext context) throws java.io.IOException {
        stopped.countDown();
        // As Declarative Services does: unregister while the context is still valid, so that core
        // drains the queue into a listener that can still reach its sink.
        ServiceRegistration<?> r = registration;
        if (r != null) {
            r.unregister();
        }
        String file = context.getBundle().getHeaders().get("Cohort-Test-Stop-File");
        if (file != null) {
            java.nio.file.Files.writeString(java.nio.file.Path.of(file), "stopped\n");
        }
    }
}
