package dev.cohort.core.internal.delivery;

import dev.cohort.api.rollout.RolloutBatch;
import dev.cohort.api.rollout.RolloutListener;
import dev.cohort.api.rollout.RolloutPublisher;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Core's {@link RolloutPublisher}: tracks every {@link RolloutListener} service (dynamic,
 * greedy) and delivers each published batch to each of them through {@link Delivery}.
 */
@Component(service = {RolloutPublisher.class, DeliveryStatus.class}, immediate = true,
        configurationPid = DeliveryComponent.PID)
@Designate(ocd = DeliveryComponent.Config.class)
public final class DeliveryComponent implements RolloutPublisher, DeliveryStatus {

    public static final String PID = "dev.cohort.core.delivery";

    @ObjectClassDefinition(name = "Cohort rollout delivery",
            description = "How scored rollout batches reach RolloutListener plugins.")
    public @interface Config {
        @AttributeDefinition(description = "Batches a listener may have queued (default; a listener may set its own).")
        int queue_capacity() default 256;

        @AttributeDefinition(description = "Longest time one publish waits for room in full queues, all listeners together (ms).")
        long publish_wait_ms() default 1_000;

        @AttributeDefinition(description = "Time budget of one listener call (ms).")
        long call_timeout_ms() default 30_000;

        @AttributeDefinition(description = "Timeouts after which a listener is blacklisted.")
        int max_timeouts() default 3;

        @AttributeDefinition(description = "Most batches held in memory for listeners that may still need them"
                + " (queued, or missed by a listener away for less than the grace period); beyond it they are"
                + " spilled to disk, or, with spill off, counted as missed for whoever comes back for them.")
        int history_size() default 1_024;

        @AttributeDefinition(description = "Whether batches beyond history.size go to the core bundle's data area"
                + " (deleted once no listener can need them).")
        boolean spill() default true;

        @AttributeDefinition(description = "How long after a listener left the batches it misses are kept for"
                + " its return (ms); a listener that comes back later is told what it missed.")
        long replay_grace_ms() default 60_000;

        @AttributeDefinition(description = "Longest wait for a departing listener to finish its queued batches (ms);"
                + " what it has not finished is replayed if it comes back within the grace period.")
        long drain_timeout_ms() default 5_000;
    }

    private final Delivery<RolloutBatch> delivery;
    private final DeliveryLog log;

    @Activate
    public DeliveryComponent(Config config, BundleContext context,
            @Reference(service = LoggerFactory.class) Logger logger) {
        this.log = DeliveryLogs.of(logger);
        this.delivery = new Delivery<>(EventKind.ROLLOUTS, settings(config), log, spillDir(context, "rollouts"));
    }

    static DeliverySettings settings(Config config) {
        return new DeliverySettings(config.queue_capacity(), config.publish_wait_ms(), config.call_timeout_ms(),
                config.max_timeouts(), config.history_size(), config.replay_grace_ms(), config.drain_timeout_ms(),
                config.spill());
    }

    /** {@code delivery-spill/<name>} in the core bundle's data area, or null where there is none. */
    static Path spillDir(BundleContext context, String name) {
        File dir = context.getDataFile("delivery-spill/" + name);
        return dir == null ? null : dir.toPath();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addListener(RolloutListener listener, ServiceReference<RolloutListener> ref,
            Map<String, Object> props) {
        delivery.addListener(ListenerIdentities.of(ref, props, log, EventKind.ROLLOUTS),
                listener::onRolloutsScored, props);
    }

    void removeListener(ServiceReference<RolloutListener> ref) {
        delivery.removeListener((Long) ref.getProperty(Constants.SERVICE_ID));
    }

    @Deactivate
    void deactivate() {
        delivery.close();
    }

    @Override
    public long publish(RolloutBatch batch) {
        return delivery.publish(batch);
    }

    @Override
    public void endRun(String runId) {
        delivery.endRun(runId);
    }

    @Override
    public List<ListenerStatus> listeners() {
        return delivery.status();
    }

    @Override
    public List<Thread> deliveryThreads() {
        return delivery.threads();
    }

    @Override
    public String kind() {
        return "rollout listeners";
    }
}
