package dev.cohort.trainer.internal.run;

import dev.cohort.api.engine.RolloutEngine;
import dev.cohort.trainer.internal.checkpoint.DType;
import dev.cohort.trainer.internal.model.HfCheckpoint;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.tokenizer.Tokenizer;
import dev.cohort.trainer.internal.tokenizer.TokenizerFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Hands a model's weights to a remote engine: a Hugging Face directory per version and the
 * version; under LoRA only the adapters, in PEFT's format, over a base written once.
 */
final class WeightSync {

    private WeightSync() {
    }

    /** Writes {@code model}'s weights as {@code version} and has {@code engine} load them; returns their directory. */
    static Path toEngine(PolicyModel model, Tokenizer tok, Path runDir, RolloutEngine engine, long version) {
        // one directory per version: a worker resynced later never reads files of a newer version
        Path dir = runDir.resolve("weights-sync").resolve("v" + version);
        try {
            if (model.adapter() != null) {
                dir = LoraRuns.writeAdapterSync(model, tok, dir.getParent(), version);
            } else {
                HfCheckpoint.save(model, dir, DType.F32);
                TokenizerFiles.write(dir, tok);
            }
            engine.loadWeights(dir, version);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("weight sync to the rollout engine failed at version " + version
                    + ": " + e.getMessage(), e);
        }
    }
}
