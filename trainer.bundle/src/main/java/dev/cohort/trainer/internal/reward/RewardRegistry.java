package dev.cohort.trainer.internal.reward;

import dev.cohort.api.reward.RewardFunction;
import dev.cohort.api.reward.RewardInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.osgi.framework.Bundle;
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

/** Tracks every {@link RewardFunction} service (dynamic, greedy) and scores batches with them. */
@Component(service = RewardScoring.class, immediate = true)
public final class RewardRegistry implements RewardScoring {

    private final Logger logger;
    private final RewardCatalog catalog = new RewardCatalog();
    private final ExecutorService threads;
    private final RewardScorer scorer;

    @Activate
    public RewardRegistry(@Reference(service = LoggerFactory.class) Logger logger) {
        this.logger = logger;
        AtomicInteger count = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "cohort-reward-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.scorer = new RewardScorer(catalog, threads, (message, cause) -> {
            if (cause == null) {
                logger.warn(message);
            } else {
                logger.warn(message, cause);
            }
        });
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addFunction(RewardFunction function, ServiceReference<RewardFunction> ref,
            Map<String, Object> props) {
        long serviceId = (Long) props.get(Constants.SERVICE_ID);
        Bundle bundle = ref.getBundle();
        long bundleId = bundle != null ? bundle.getBundleId() : -1;
        Object name = props.get(RewardFunction.NAME);
        if (name == null || name.toString().isBlank()) {
            logger.warn("Reward function service {} of bundle {} has no {} property; runs cannot select it",
                    serviceId, bundleId, RewardFunction.NAME);
            return;
        }
        Object ranking = props.get(Constants.SERVICE_RANKING);
        catalog.add(new RewardCatalog.Registered(name.toString(), function, serviceId,
                ranking instanceof Integer ? (Integer) ranking : 0, bundleId,
                bundle != null ? bundle.getVersion().toString() : "?"));
        logger.info("Reward function '{}' registered by bundle {}", name, bundleId);
    }

    void removeFunction(ServiceReference<RewardFunction> ref) {
        catalog.remove((Long) ref.getProperty(Constants.SERVICE_ID));
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        threads.shutdownNow();
        if (!threads.awaitTermination(5, TimeUnit.SECONDS)) {
            logger.warn("Reward function calls still running 5 s after the trainer bundle stopped");
        }
    }

    @Override
    public RewardColumns score(List<RewardSpec> specs, RewardInput input, ScoringPolicy policy)
            throws InterruptedException {
        return scorer.score(specs, input, policy);
    }

    @Override
    public List<RewardStatus> functions() {
        List<RewardStatus> out = new ArrayList<>();
        String previous = null;
        for (RewardCatalog.Registered r : catalog.all()) {
            out.add(new RewardStatus(r.name, r.bundleId, r.bundleVersion, r.serviceId,
                    !r.name.equals(previous), r.calls.get(), r.failures.get(), r.timeouts.get(),
                    r.lastMillis));
            previous = r.name;
        }
        return out;
    }
}
