package dev.cohort.plugins.trace.jsonl;

import dev.cohort.api.rollout.RolloutBatch;
import dev.cohort.api.rollout.RolloutListener;
import dev.cohort.api.rollout.RolloutListenerService;
import java.nio.file.Path;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The trace storage plugin: every sample of every scored batch becomes one JSON line in
 * {@code <directory>/<run id>.jsonl}. Configured through Config Admin PID
 * {@value #PID}; works with its defaults when there is no configuration.
 */
@Component(configurationPid = TraceJsonlListener.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = TraceJsonlListener.Config.class)
@RolloutListenerService(name = "trace-jsonl")
public final class TraceJsonlListener implements RolloutListener {

    public static final String PID = "dev.cohort.plugins.trace.jsonl";

    @ObjectClassDefinition(name = "Cohort trace-jsonl",
            description = "Writes every scored rollout sample as one JSON line, one file per run.")
    public @interface Config {
        @AttributeDefinition(description = "Directory of the trace files (relative paths are"
                + " resolved against the runtime's working directory).")
        String directory() default "traces";
    }

    private final TraceFile traces;

    @Activate
    public TraceJsonlListener(Config config, @Reference(service = LoggerFactory.class) Logger logger) {
        this.traces = new TraceFile(Path.of(config.directory()).toAbsolutePath());
        logger.info("trace-jsonl writes rollout traces to {}", traces.directory());
    }

    @Override
    public void onRolloutsScored(RolloutBatch batch) {
        traces.append(batch);
    }
}
