package dev.cohort.vllm.internal.bridge;

import dev.cohort.api.engine.GenerationRequest;
import dev.cohort.api.engine.GenerationResult;
import dev.cohort.api.engine.RolloutEngine;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
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
 * The {@code vllm} rollout engine: generation on the inference workers (one
 * {@link WorkerComponent} each, tracked dynamically). See {@link BridgeEngine}.
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

        @AttributeDefinition(name = "worker_wait_ms", description = "How long generate waits for a first healthy"
                + " worker, in ms.", min = "0")
        long worker__wait__ms() default 60_000;
    }

    private final BridgeEngine engine;

    @Activate
    public VllmEngine(Config c, @Reference(service = LoggerFactory.class) Logger logger) {
        this.engine = new BridgeEngine(new OsgiLog(logger), c.max__retries(), c.worker__wait__ms());
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
