package @PACKAGE@;

import dev.cohort.api.training.TrainingListener;
import dev.cohort.api.training.TrainingListenerService;
import dev.cohort.api.training.TrainingMetrics;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * Receives the metrics of every optimizer step (TRL's names: {@code loss}, {@code reward},
 * {@code kl}, {@code grad_norm}, ...). This one warns once per run when the loss or the
 * gradient norm stops being a finite number, the first sign of a diverging run.
 *
 * <p>Delivery follows the rollout listeners' rules: a thread of core's, one step at a time, in
 * order, replayed after an update of this bundle.
 */
@Component
@TrainingListenerService(name = "@NAME@-metrics")
public class @CLASS@TrainingListener implements TrainingListener {

    /** The metrics whose loss of finiteness is reported. */
    static final List<String> WATCHED = List.of("loss", "grad_norm");

    private final Logger logger;
    private volatile String run;
    private volatile long divergedAt = -1;

    @Activate
    public @CLASS@TrainingListener(@Reference(service = LoggerFactory.class) Logger logger) {
        this.logger = logger;
    }

    @Override
    public void onStep(TrainingMetrics metrics) {
        if (!metrics.runId().equals(run)) {
            run = metrics.runId();
            divergedAt = -1;
        }
        if (divergedAt >= 0) {
            return;
        }
        for (String name : WATCHED) {
            double value = metrics.get(name);
            if (metrics.values().containsKey(name) && !Double.isFinite(value)) {
                divergedAt = metrics.step();
                logger.warn("run {}: {} is {} at step {} of {}", run, name, value, metrics.step(), metrics.maxSteps());
                return;
            }
        }
    }

    /** The step at which the current run's loss or gradient norm was first not finite, or -1. */
    public long divergedAt() {
        return divergedAt;
    }
}
