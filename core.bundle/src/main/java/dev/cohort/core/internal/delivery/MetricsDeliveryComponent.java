package dev.cohort.core.internal.delivery;

import dev.cohort.api.training.TrainingListener;
import dev.cohort.api.training.TrainingMetrics;
import dev.cohort.api.training.TrainingPublisher;
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
import org.osgi.service.metatype.annotations.Designate;

/**
 * Core's {@link TrainingPublisher}: delivers every step's metrics to {@link TrainingListener}
 * services with the same engine and guarantees as rollouts (Config Admin PID {@value #PID},
 * same attributes as {@code dev.cohort.core.delivery}).
 */
@Component(service = {TrainingPublisher.class, DeliveryStatus.class}, immediate = true,
        configurationPid = MetricsDeliveryComponent.PID)
@Designate(ocd = DeliveryComponent.Config.class)
public final class MetricsDeliveryComponent implements TrainingPublisher, DeliveryStatus {

    public static final String PID = "dev.cohort.core.metrics";

    private final Delivery<TrainingMetrics> delivery;
    private final DeliveryLog log;

    @Activate
    public MetricsDeliveryComponent(DeliveryComponent.Config config, BundleContext context,
            @Reference(service = LoggerFactory.class) Logger logger) {
        this.log = DeliveryLogs.of(logger);
        this.delivery = new Delivery<>(EventKind.METRICS, DeliveryComponent.settings(config), log,
                DeliveryComponent.spillDir(context, "metrics"));
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addListener(TrainingListener listener, ServiceReference<TrainingListener> ref, Map<String, Object> props) {
        delivery.addListener(ListenerIdentities.of(ref, props, log, EventKind.METRICS), listener::onStep, props);
    }

    void removeListener(ServiceReference<TrainingListener> ref) {
        delivery.removeListener((Long) ref.getProperty(Constants.SERVICE_ID));
    }

    @Deactivate
    void deactivate() {
        delivery.close();
    }

    @Override
    public long publish(TrainingMetrics metrics) {
        return delivery.publish(metrics);
    }

    @Override
    public void endRun(String runId) {
        delivery.endRun(runId);
    }

    @Override
    public String kind() {
        return "training listeners";
    }

    @Override
    public List<ListenerStatus> listeners() {
        return delivery.status();
    }

    @Override
    public List<Thread> deliveryThreads() {
        return delivery.threads();
    }
}
