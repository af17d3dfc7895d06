package dev.cohort.vllm.internal.bridge;

import dev.cohort.api.engine.GenerationRequest;
import dev.cohort.api.engine.GenerationResult;
import dev.cohort.api.engine.RolloutEngine;
import dev.cohort.vllm.internal.rpc.OsgiLog;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
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
 * The {@code vllm} rollout engine: generation on the inference workers (one
 * {@link WorkerComponent} each, tracked dynamically). See {@link BridgeEngine}. A configuration
 * that arrives or changes while a run uses the engine is taken live ({@link #modified}): the run
 * keeps the same, working instance.
 */
@Designate(ocd = VllmEngine.Config.class)
@Component(service = {RolloutEngine.class, VllmEngine.class}, configurationPid = VllmEngine.PID,
        property = RolloutEngine.NAME + "=vllm")
public final class VllmEngine implements RolloutEngine {

    public static final String PID = "dev.cohort.vllm.engine";

    @ObjectClassDefinition(name = "Cohort vllm rollout engine", description = "How batches are spread over workers.")
    public @interface Config {

        @AttributeDefinition(name = "max_retries", description = "How often a failed chunk moves to another worker.",
                min = "0")
        int max__retries() default 2;

        @AttributeDefinition(name = "worker_wait_ms", description = "How long a call waits for workers: at start-up"
                + " for every configured worker, later for one to come back when none is healthy, in ms.", min = "0")
        long worker__wait__ms() default 60_000;
    }

    private final BridgeEngine engine;
    private volatile ConfigurationAdmin configAdmin;

    @Activate
    public VllmEngine(Config c, @Reference(service = LoggerFactory.class) Logger logger) {
        this.engine = new BridgeEngine(new OsgiLog(logger), c.max__retries(), c.worker__wait__ms());
        engine.expectWorkers(this::configuredWorkers);
    }

    @Modified
    void modified(Config c) {
        engine.configure(c.max__retries(), c.worker__wait__ms());
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void setConfigAdmin(ConfigurationAdmin cm) {
        this.configAdmin = cm;
    }

    void unsetConfigAdmin(ConfigurationAdmin cm) {
        if (configAdmin == cm) {
            configAdmin = null;
        }
    }

    /** Factory configurations of workers (0 without Config Admin): start-up waits for them all. */
    int configuredWorkers() {
        ConfigurationAdmin cm = configAdmin;
        if (cm == null) {
            return 0;
        }
        try {
            Configuration[] all = cm.listConfigurations("(service.factoryPid=" + WorkerComponent.FACTORY_PID + ")");
            return all == null ? 0 : all.length;
        } catch (IOException | InvalidSyntaxException | IllegalStateException e) {
            return 0; // Config Admin is going away: wait only for the workers tracked
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addWorker(WorkerComponent w) {
        engine.add(w.handle());
    }

    void removeWorker(WorkerComponent w) {
        engine.remove(w.handle());
    }

    @Override
    public GenerationResult generate(GenerationRequest request) {
        return engine.generate(request);
    }

    @Override
    public void loadWeights(Path directory, long version) throws IOException {
        engine.loadWeights(directory, version);
    }

    @Override
    public long weightsVersion() {
        return engine.weightsVersion();
    }

    public List<WorkerHandle> workers() {
        return engine.workers();
    }

    public int resetPrefixCache() {
        return engine.resetPrefixCache();
    }

    @Deactivate
    void deactivate() {
        engine.close();
    }
}
