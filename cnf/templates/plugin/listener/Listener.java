package @PACKAGE@;

import dev.cohort.api.rollout.RolloutBatch;
import dev.cohort.api.rollout.RolloutListener;
import dev.cohort.api.rollout.RolloutListenerService;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Receives every scored rollout batch of a run: prompts, completions, rewards per reward
 * function, advantages. This one logs each step's mean reward and the share of completions cut
 * at the token limit every {@code log_every} steps.
 *
 * <p>Core delivers batches on a thread of its own, one at a time and in step order; training
 * never waits for a listener. The {@code name} below is the listener's identity across bundle
 * updates: after {@code update}, the new version is replayed the batches it missed.
 *
 * <p>Configured through Config Admin PID {@value #PID}, for example in a run's YAML:
 * <pre>
 * plugins:
 *   @PACKAGE@.listener:
 *     log_every: 10
 * </pre>
 */
@Component(configurationPid = @CLASS@Listener.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = @CLASS@Listener.Config.class)
@RolloutListenerService(name = "@NAME@")
public class @CLASS@Listener implements RolloutListener {

    public static final String PID = "@PACKAGE@.listener";

    /** The configuration: {@code log__every()} is the property {@code log_every} ({@code __} reads as {@code _}). */
    @ObjectClassDefinition(name = "@NAME@ rollout listener")
    public @interface Config {
        @AttributeDefinition(description = "Log a summary every this many steps (1: every step).", min = "1")
        int log__every() default 1;
    }

    private final Logger logger;
    private volatile int logEvery;
    private volatile StepSummary last;

    @Activate
    public @CLASS@Listener(Config config, @Reference(service = LoggerFactory.class) Logger logger) {
        this.logger = logger;
        modified(config);
    }

    /** Configuration changes are taken live, without restarting the component. */
    @Modified
    void modified(Config config) {
        this.logEvery = Math.max(1, config.log__every());
    }

    @Override
    public void onRolloutsScored(RolloutBatch batch) {
        StepSummary summary = StepSummary.of(batch);
        last = summary;
        if (batch.step() % logEvery == 0) {
            logger.info("{}", summary);
        }
    }

    /** The summary of the newest batch received, or null before the first. */
    public StepSummary last() {
        return last;
    }

    /** What this listener keeps of one batch. */
    public record StepSummary(String runId, long step, int samples, double meanReward, double truncatedShare) {

        static StepSummary of(RolloutBatch batch) {
            double sum = 0;
            int scored = 0;
            int truncated = 0;
            for (int i = 0; i < batch.size(); i++) {
                double reward = batch.totalReward(i); // NaN: no reward function scored the sample
                if (!Double.isNaN(reward)) {
                    sum += reward;
                    scored++;
                }
                truncated += batch.truncated(i) ? 1 : 0;
            }
            int n = batch.size();
            double mean = scored == 0 ? Double.NaN : sum / scored;
            return new StepSummary(batch.runId(), batch.step(), n, mean, (double) truncated / n);
        }

        @Override
        public String toString() {
            return String.format("run %s step %d: %d samples, mean reward %.4f, %.0f%% truncated",
                    runId, step, samples, meanReward, 100 * truncatedShare);
        }
    }
}
