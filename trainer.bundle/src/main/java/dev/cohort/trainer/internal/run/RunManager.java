package dev.cohort.trainer.internal.run;

import dev.cohort.api.engine.RolloutEngine;
import dev.cohort.api.rollout.RolloutPublisher;
import dev.cohort.api.training.TrainingMetrics;
import dev.cohort.api.training.TrainingPublisher;
import dev.cohort.trainer.internal.model.MemoryPlan;
import dev.cohort.trainer.internal.backend.CudaLibrary;
import dev.cohort.trainer.internal.config.ConfigAdminProperties;
import dev.cohort.trainer.internal.config.RunConfig;
import dev.cohort.trainer.internal.reward.RewardScoring;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * Training runs in the runtime: {@code cohort:train}, {@code cohort:status}, {@code cohort:stop},
 * {@code cohort:runs}, and {@code cohort:backend} (what compute backends there are). Each run trains on its own thread ({@code cohort-run-<id>}); stopping the
 * trainer bundle stops every run at its next step boundary, after a checkpoint (bounded wait).
 * With the framework property {@code cohort.train} set to a configuration file, the runtime runs
 * that configuration headless, prints its progress and report, and (with {@code cohort.exit})
 * ends the process with 0 on success, 1 on failure.
 */
@Component(service = RunManager.class, immediate = true, property = {
    "osgi.command.scope=cohort", "osgi.command.function=train", "osgi.command.function=status",
    "osgi.command.function=stop", "osgi.command.function=runs", "osgi.command.function=backend"})
public final class RunManager {

    private static final long STOP_WAIT_MS = 120_000;

    private final RewardScoring scoring;
    private final RolloutPublisher rollouts;
    private final TrainingPublisher metrics;
    private final ConfigurationAdmin configAdmin;
    private final Logger logger;
    private final BundleContext context;
    private final Map<String, TrainingRun> runs = new LinkedHashMap<>();
    private final Map<String, RolloutEngine> engines = new ConcurrentHashMap<>();
    private final RunDirectories directories = new RunDirectories();
    private final TraceDirectory traces;
    private final SynchronousBundleListener stoppingListener;
    private final RunFolders folders;

    @Activate
    public RunManager(@Reference RewardScoring scoring, @Reference RolloutPublisher rollouts,
            @Reference TrainingPublisher metrics, @Reference ConfigurationAdmin configAdmin,
            @Reference(service = LoggerFactory.class) Logger logger, BundleContext context) {
        this.scoring = scoring;
        this.rollouts = rollouts;
        this.metrics = metrics;
        this.configAdmin = configAdmin;
        this.logger = logger;
        this.context = context;
        this.traces = new TraceDirectory(configAdmin, logger);
        this.folders = new RunFolders(context);
        this.stoppingListener = this::frameworkStopping;
        context.addBundleListener(stoppingListener);
        String headless = context.getProperty("cohort.train");
        if (headless != null && !headless.isBlank()) {
            Headless.start(this, Path.of(headless), context.getProperty("cohort.resume"),
                    Boolean.parseBoolean(context.getProperty("cohort.exit")), context);
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addEngine(RolloutEngine engine, ServiceReference<RolloutEngine> ref) {
        Object name = ref.getProperty(RolloutEngine.NAME);
        if (name != null) {
            engines.put(name.toString(), engine);
        }
    }

    void removeEngine(RolloutEngine engine, ServiceReference<RolloutEngine> ref) {
        Object name = ref.getProperty(RolloutEngine.NAME);
        if (name != null) {
            engines.remove(name.toString(), engine);
        }
    }

    @Descriptor("start a GRPO run from a YAML configuration in the background; prints its id")
    public String train(
            @Descriptor("continue from a checkpoint directory") @Parameter(names = {"-r", "--resume"}, absentValue = "") String resume,
            @Descriptor("run configuration (YAML)") String config) throws Exception {
        TrainingRun run = start(Path.of(config).toAbsolutePath(), resume.isEmpty() ? null : Path.of(resume).toAbsolutePath(),
                StepProgress.NONE, null);
        return run.id();
    }

    @Descriptor("progress of runs: step / max, reward mean, KL, tokens/s, ETA, backend")
    public String status(@Descriptor("run id (all runs when absent)") String... ids) {
        List<String> lines = new ArrayList<>();
        boolean named = ids != null && ids.length > 0;
        for (TrainingRun r : select(ids)) {
            lines.add(r.statusLine());
            if (named && !r.backendInfo().isEmpty()) {
                lines.add("  backend: " + r.backendInfo());
            }
        }
        return lines.isEmpty() ? "no runs" : String.join("\n", lines);
    }

    @Descriptor("end a run at the next step boundary, after writing a checkpoint")
    public String stop(@Descriptor("run id") String id) {
        TrainingRun r = find(id);
        if (!r.active()) {
            return r.id() + " is already " + r.state().name().toLowerCase(Locale.ROOT);
        }
        r.requestStop();
        return "stopping " + r.id() + " at the next step boundary";
    }

    @Descriptor("the compute backends: the CUDA library and device found, what backend: auto would pick, the runs' backends")
    public String backend() {
        CudaLibrary.Probe probe = CudaLibrary.probe();
        List<String> lines = new ArrayList<>();
        lines.add("CUDA library: " + (probe.libraryLoaded() ? "loaded from " + CudaLibrary.loadedFrom()
                : "not loaded: " + probe.reason()));
        lines.add("CUDA device:  " + (probe.available() ? probe.device()
                : probe.libraryLoaded() ? "none: " + probe.reason() : "unknown (no library)"));
        lines.add("auto picks:   " + BackendSelection.autoWouldPick(probe));
        boolean any = false;
        for (TrainingRun r : select()) {
            if (r.active()) {
                lines.add("run " + r.id() + ": " + r.backendInfo());
                any = true;
            }
        }
        if (!any) {
            lines.add("no run is active");
        }
        return String.join("\n", lines);
    }

    @Descriptor("list runs with their state and outcome")
    public String runs() {
        return status();
    }

    synchronized List<TrainingRun> select(String... ids) {
        if (ids == null || ids.length == 0) {
            return new ArrayList<>(runs.values());
        }
        List<TrainingRun> out = new ArrayList<>();
        for (String id : ids) {
            out.add(find(id));
        }
        return out;
    }

    private synchronized TrainingRun find(String id) {
        TrainingRun r = runs.get(id);
        if (r == null) {
            throw new IllegalArgumentException("no run '" + id + "'; runs: " + runs.keySet());
        }
        return r;
    }

    /**
     * Validates the configuration (nothing starts on an invalid file: the exception says why),
     * then trains on a new thread. {@code onDone} receives the run when it ends.
     */
    TrainingRun start(Path config, Path resume, StepProgress progress, Consumer<TrainingRun> onDone)
            throws Exception {
        RunConfig parsed = dev.cohort.trainer.internal.config.RunConfigParser.parse(config);
        Reporters.check(parsed, context, Reporters.WAIT_MS);
        PreparedRun prepared = RunSetup.prepare(config, resume, scoring, this::allocate);
        TrainingRun run;
        synchronized (this) {
            String id = prepared.settings().runId();
            TrainingRun same = runs.get(id);
            if (same != null && same.active()) {
                prepared.close();
                throw new IllegalStateException("run " + id + " is " + same.state().name().toLowerCase(Locale.ROOT)
                        + "; stop it (cohort:stop " + id + ") before resuming it");
            }
            run = new TrainingRun(id, config);
            runs.put(id, run);
        }
        run.backend(prepared.backend().name(), prepared.backendInfo());
        run.modelInfo(prepared.modelInfo());
        run.namingNote(prepared.namingNote());
        logger.info("run {}: backend: {}", run.id(), prepared.backendInfo());
        logger.info("run {}: {}", run.id(), prepared.modelInfo());
        logger.info("run {}: {}, memory: {}", run.id(), prepared.model().config(), memoryPlan(prepared).describe());
        run.maxSteps(prepared.settings().maxSteps());
        folders.publish(run.id(), prepared.settings().runDir(), parsed.reportTo());
        RunExecution exec = new RunExecution(run, prepared, this, progress, onDone);
        Thread t = new Thread(exec, "cohort-run-" + run.id());
        t.setDaemon(true);
        run.thread(t);
        t.start();
        return run;
    }

    /** What the run's step holds in the backend's memory (see MemoryPlan). */
    static MemoryPlan memoryPlan(PreparedRun p) {
        TrainerSettings s = p.settings();
        int len = s.maxPromptLength() + s.maxCompletionLength();
        return MemoryPlan.of(p.backend(), p.model().config(), new MemoryPlan.Shape(s.microBatch(), len,
                s.generationBatch(), len, p.reference() != null && p.reference() != p.model(), p.model().gradientCheckpointing()));
    }

    static String defaultRunId(Path config) {
        String name = config.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        return name + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    }

    RolloutEngine engine(String name) {
        RolloutEngine e = engines.get(name);
        if (e == null) {
            throw new IllegalStateException("rollout_engine '" + name + "' is not registered; registered: "
                    + new ArrayList<>(engines.keySet()) + " and embedded");
        }
        return e;
    }

    RewardScoring scoring() {
        return scoring;
    }

    RolloutPublisher rollouts() {
        return rollouts;
    }

    TrainingPublisher metrics() {
        return metrics;
    }

    Logger logger() {
        return logger;
    }

    /**
     * Applies a run's plugins section through Config Admin: {@code pid} gives a configuration,
     * {@code factoryPid~name} a factory configuration (one instance per name, e.g. one per worker).
     */
    void configurePlugins(Map<String, Map<String, Object>> plugins) throws java.io.IOException {
        for (Map.Entry<String, Map<String, Object>> e : plugins.entrySet()) {
            Hashtable<String, Object> props = ConfigAdminProperties.of(e.getValue());
            String key = e.getKey();
            int tilde = key.indexOf('~');
            if (tilde > 0) {
                configAdmin.getFactoryConfiguration(key.substring(0, tilde), key.substring(tilde + 1), "?").update(props);
            } else {
                configAdmin.getConfiguration(key, "?").update(props);
            }
            logger.info("plugins: configured {} with {}", key, e.getValue().keySet());
        }
    }

    /** Where trace-jsonl writes this run's samples, when that file exists. */
    Path traceFile(String runId) {
        Path file = RunDirectories.traceFile(traces.of(Map.of()).dir(), runId);
        return java.nio.file.Files.exists(file) ? file : null;
    }

    /** A prepared run's id and directory, after checking that its trace directory is writable. */
    RunDirectories.Allocated allocate(RunConfig c, String name, boolean resumed) throws java.io.IOException {
        TraceDirectory.Setting trace = traces.of(c.plugins());
        RunDirectories.checkWritable(trace.dir(), c.source() + ": " + trace.key());
        RunDirectories.Allocated a = directories.allocate(Path.of(c.outputDir()), name, resumed, trace.dir());
        if (a.note() != null) {
            logger.warn("{}", a.note());
        }
        return a;
    }

    /**
     * When the framework begins to stop (gogo's {@code stop 0}, the end of the shell's input, a
     * signal through ShutdownHook), stops the runs before any bundle stops: Felix stops SCR (and
     * so the reward functions) before this bundle, and a run must take its last step and write
     * its checkpoint while they are still there. Synchronous: the framework waits.
     */
    private void frameworkStopping(BundleEvent e) {
        if (e.getType() == BundleEvent.STOPPING && e.getBundle().getBundleId() == Constants.SYSTEM_BUNDLE_ID) {
            try {
                stopAll();
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        try {
            context.removeBundleListener(stoppingListener);
        } catch (IllegalStateException alreadyInvalid) {
            // the bundle is stopping: nothing to remove
        }
        stopAll();
        folders.close();
    }

    /** Asks every active run to stop at its next step boundary and waits (bounded) for them. */
    private void stopAll() throws InterruptedException {
        List<TrainingRun> active = new ArrayList<>();
        synchronized (this) {
            for (TrainingRun r : runs.values()) {
                if (r.active()) {
                    r.requestStop();
                    active.add(r);
                }
            }
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_WAIT_MS);
        for (TrainingRun r : active) {
            Thread t = r.thread();
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (t != null) {
                t.join(Math.max(1, left));
                if (t.isAlive()) {
                    t.interrupt();
                    logger.warn("run {} did not stop within {} ms; interrupted", r.id(), STOP_WAIT_MS);
                }
            }
        }
    }

    static String serviceName(ServiceReference<?> ref) {
        return String.valueOf(ref.getProperty(Constants.SERVICE_ID));
    }
}
