package dev.cohort.api.engine;

import java.io.IOException;
import java.nio.file.Path;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Generates completions for the trainer. Register implementations with {@link #NAME}; a run's
 * configuration selects one by name ({@code rollout_engine}).
 */
@ConsumerType
public interface RolloutEngine {

    /** Service property (String): the name runs select the engine by, e.g. {@code vllm}. */
    String NAME = "cohort.engine.name";

    /**
     * Samples {@code request.n()} completions for every prompt, group-contiguous: the result
     * holds prompts x n completions, the n of prompt 0 first.
     *
     * @throws IllegalStateException when the engine's weights are not at the requested version
     */
    GenerationResult generate(GenerationRequest request);

    /**
     * Loads new policy weights (a Hugging Face checkpoint directory: config.json and
     * model.safetensors) as {@code version}; generation requests for that version are served
     * from then on.
     */
    void loadWeights(Path directory, long version) throws IOException;

    /** The version of the weights the engine serves. */
    long weightsVersion();
}
