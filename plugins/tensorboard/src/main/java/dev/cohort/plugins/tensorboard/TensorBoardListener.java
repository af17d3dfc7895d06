package dev.cohort.plugins.tensorboard;

import dev.cohort.api.training.TrainingListener;
import dev.cohort.api.training.TrainingListenerService;
import dev.cohort.api.training.TrainingMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.osgi.framework.BundleContext;
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
 * The TensorBoard plugin: every step's metrics of every run become scalars in a TensorBoard event
 * file of the run ({@link RunDirectory} says where), tagged as Hugging Face's TensorBoard callback
 * tags training logs: {@code train/<metric>} ({@code train/reward}, {@code train/rewards/accuracy/mean}).
 * {@code tensorboard --logdir <output_dir>} shows every run. Runs whose {@code report_to} leaves
 * tensorboard out are skipped.
 */
@Component(configurationPid = TensorBoardListener.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = TensorBoardListener.Config.class)
@TrainingListenerService(name = RunDirectory.NAME)
public final class TensorBoardListener implements TrainingListener {

    public static final String PID = "dev.cohort.plugins.tensorboard";

    @ObjectClassDefinition(name = "Cohort tensorboard",
            description = "Writes every training step's metrics as TensorBoard scalar event files.")
    public @interface Config {
        @AttributeDefinition(description = "Directory of the event files: <logdir>/<run id>/ (relative"
                + " paths are resolved against the runtime's working directory); empty: each run's own"
                + " folder, <output_dir>/<run id>/tensorboard/.")
        String logdir() default "";
    }

    private final BundleContext context;
    private final Logger logger;
    private final String logdir;
    private final String host = host();
    private final Map<String, EventFile> files = new ConcurrentHashMap<>();
    private final Map<String, Boolean> skipped = new ConcurrentHashMap<>();
    private final AtomicInteger opened = new AtomicInteger();

    @Activate
    public TensorBoardListener(Config config, BundleContext context,
            @Reference(service = LoggerFactory.class) Logger logger) {
        this.context = context;
        this.logger = logger;
        this.logdir = config.logdir();
    }

    @Override
    public void onStep(TrainingMetrics m) {
        if (skipped.containsKey(m.runId())) {
            return;
        }
        double wallTime = m.time().toEpochMilli() / 1000.0;
        try {
            EventFile f = files.get(m.runId());
            if (f == null) {
                f = open(m.runId(), wallTime);
                if (f == null) {
                    return;
                }
            }
            f.scalars(m.step(), wallTime, tags(m.values()));
        } catch (IOException e) {
            throw new UncheckedIOException("tensorboard cannot write step " + m.step() + " of run " + m.runId()
                    + ": " + e.getMessage(), e);
        }
        if (m.step() >= m.maxSteps()) {
            files.remove(m.runId()); // a resumed run writes a new file next to this one
        }
    }

    private EventFile open(String runId, double wallTime) throws IOException {
        RunDirectory where = RunDirectory.of(context, runId, logdir);
        if (!where.wanted()) {
            skipped.put(runId, true);
            logger.info("tensorboard: run {} has report_to without tensorboard; not written", runId);
            return null;
        }
        EventFile f = EventFile.create(where.dir(), wallTime, host, ProcessHandle.current().pid(),
                opened.incrementAndGet());
        files.put(runId, f);
        logger.info("tensorboard: run {} writes {}{}", runId, f.path(), where.registered() ? ""
                : " (the trainer did not register the run's folder; under the working directory)");
        return f;
    }

    /** Hugging Face's tags: {@code train/} before every training metric. */
    static Map<String, Double> tags(Map<String, Double> values) {
        Map<String, Double> out = new LinkedHashMap<>();
        values.forEach((k, v) -> out.put("train/" + k, v));
        return out;
    }

    private static String host() {
        try {
            return RunDirectory.safe(InetAddress.getLocalHost().getHostName());
        } catch (IOException | RuntimeException e) {
            return "localhost";
        }
    }
}
