package dev.cohort.core.internal.delivery;

import dev.cohort.api.rollout.RolloutBatch;
import dev.cohort.api.rollout.RolloutListener;
import dev.cohort.api.rollout.RolloutPublisher;
import java.util.List;
import java.util.Map;
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

        @AttributeDefinition(description = "Recent batches kept to replay to listeners that come back after an update.")
        int history_size() default 64;

        @AttributeDefinition(description = "How long a departed listener's name is remembered for replay (ms).")
        long replay_grace_ms() default 60_000;

        @AttributeDefinition(description = "Longest wait for a departing listener to finish its queued batches (ms).")
        long drain_timeout_ms() default 5_000;
    }

    private final Delivery<RolloutBatch> delivery;
    private final Logger logger;

    @Activate
    public DeliveryComponent(Config config,
            @Reference(service = LoggerFactory.class) Logger logger) {
        this.logger = logger;
        this.delivery = new Delivery<>(EventKind.ROLLOUTS, settings(config), DeliveryLogs.of(logger));
    }

    static DeliverySettings settings(Config config) {
        return new DeliverySettings(config.queue_capacity(), config.publish_wait_ms(), config.call_timeout_ms(),
                config.max_timeouts(), config.history_size(), config.replay_grace_ms(), config.drain_timeout_ms());
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addListener(RolloutListener listener, ServiceReference<RolloutListener> ref,
            Map<String, Object> props) {
        delivery.addListener(ListenerIdentities.of(ref, props, logger, "Rollout listener"),
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
