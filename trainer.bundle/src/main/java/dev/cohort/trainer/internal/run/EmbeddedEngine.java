package dev.cohort.trainer.internal.run;

import dev.cohort.api.engine.GenerationRequest;
import dev.cohort.api.engine.GenerationResult;
import dev.cohort.api.engine.RolloutEngine;
import dev.cohort.trainer.internal.model.Completion;
import dev.cohort.trainer.internal.model.HfCheckpoint;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.model.Sampler;
import dev.cohort.trainer.internal.model.SamplingParams;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The trainer's own rollout engine: samples from the very model being trained, so new weights
 * are in place after every update (its version follows the optimizer step).
 */
public final class EmbeddedEngine implements RolloutEngine, AutoCloseable {

    private final PolicyModel model;
    private final Sampler sampler;
    private long version;

    public EmbeddedEngine(PolicyModel model) {
        this.model = model;
        this.sampler = new Sampler(model);
    }

    @Override
    public GenerationResult generate(GenerationRequest r) {
        if (r.weightsVersion() != version) {
            throw new IllegalStateException("embedded engine serves weights version " + version
                    + ", the request wants " + r.weightsVersion());
        }
        List<int[]> prompts = new ArrayList<>(r.promptCount() * r.n());
        for (int[] p : r.prompts()) {
            for (int k = 0; k < r.n(); k++) {
                prompts.add(p);
            }
        }
        int[] stops = r.stopTokenIds();
        SamplingParams p = new SamplingParams(r.maxTokens(), r.temperature(), r.topK(), r.topP(), r.minP(), r.seed());
        List<GenerationResult.Completion> out = new ArrayList<>(prompts.size());
        for (Completion c : sampler.generate(prompts, p, stops)) {
            out.add(new GenerationResult.Completion(c.tokens(), c.logprobs(),
                    c.finish() == Completion.Finish.EOS ? "stop" : "length"));
        }
        return new GenerationResult(out, version);
    }

    /** The weights are the trainer's own: only the version moves. */
    public void advance(long newVersion) {
        this.version = newVersion;
    }

    @Override
    public void loadWeights(Path directory, long newVersion) throws IOException {
        try (PolicyModel loaded = HfCheckpoint.load(directory, model.backend())) {
            float[] values = new float[(int) model.layout().total()];
            model.backend().read(loaded.params().all(), values);
            model.backend().write(model.params().all(), values);
        }
        this.version = newVersion;
    }

    @Override
    public long weightsVersion() {
        return version;
    }

    @Override
    public void close() {
        sampler.close();
    }
}
