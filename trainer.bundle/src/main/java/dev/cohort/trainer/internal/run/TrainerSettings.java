package dev.cohort.trainer.internal.run;

import dev.cohort.trainer.internal.checkpoint.DType;
import dev.cohort.trainer.internal.model.AdamW;
import dev.cohort.trainer.internal.model.LrSchedule;
import dev.cohort.trainer.internal.objective.ObjectiveConfig;
import dev.cohort.trainer.internal.objective.OffPolicySettings;
import dev.cohort.trainer.internal.reward.RewardSpec;
import dev.cohort.trainer.internal.reward.ScoringPolicy;
import java.nio.file.Path;
import java.util.List;

/** What the training loop needs from a run's configuration, already validated. */
record TrainerSettings(String runId, int maxSteps, int numGenerations, int promptsPerStep, int microBatch,
        int maxPromptLength, int maxCompletionLength, float temperature, float topP, int topK, float minP, long seed,
        ObjectiveConfig objective, AdamW.Settings adam, LrSchedule schedule, List<RewardSpec> rewards,
        ScoringPolicy scoring, int saveSteps, int loggingSteps, Path runDir, String saveDtype,
        OffPolicySettings offPolicy, AsyncSettings async) {

    /** Synchronous, with TRL's default off-policy correction. */
    TrainerSettings(String runId, int maxSteps, int numGenerations, int promptsPerStep, int microBatch,
            int maxPromptLength, int maxCompletionLength, float temperature, float topP, int topK, float minP,
            long seed, ObjectiveConfig objective, AdamW.Settings adam, LrSchedule schedule, List<RewardSpec> rewards,
            ScoringPolicy scoring, int saveSteps, int loggingSteps, Path runDir, String saveDtype) {
        this(runId, maxSteps, numGenerations, promptsPerStep, microBatch, maxPromptLength, maxCompletionLength,
                temperature, topP, topK, minP, seed, objective, adam, schedule, rewards, scoring, saveSteps,
                loggingSteps, runDir, saveDtype, OffPolicySettings.DEFAULTS, AsyncSettings.OFF);
    }

    /** These settings with another asynchronous mode (tests and benchmarks). */
    TrainerSettings withAsync(AsyncSettings a) {
        return new TrainerSettings(runId, maxSteps, numGenerations, promptsPerStep, microBatch, maxPromptLength,
                maxCompletionLength, temperature, topP, topK, minP, seed, objective, adam, schedule, rewards, scoring,
                saveSteps, loggingSteps, runDir, saveDtype, offPolicy, a);
    }

    /** These settings with other off-policy corrections. */
    TrainerSettings withOffPolicy(OffPolicySettings o) {
        return new TrainerSettings(runId, maxSteps, numGenerations, promptsPerStep, microBatch, maxPromptLength,
                maxCompletionLength, temperature, topP, topK, minP, seed, objective, adam, schedule, rewards, scoring,
                saveSteps, loggingSteps, runDir, saveDtype, o, async);
    }

    TrainerSettings {
        if (saveSteps > 0 && saveSteps % objective.numIterations() != 0) {
            throw new IllegalArgumentException("save_steps " + saveSteps + " must be a multiple of num_iterations "
                    + objective.numIterations() + " (a checkpoint is taken between generation batches)");
        }
    }

    /** The dtype of checkpoints' model.safetensors: save_dtype, "auto" being the model's source dtype. */
    DType checkpointDtype(String modelDtype) {
        return DType.ofTorch(saveDtype.equals("auto") ? modelDtype : saveDtype);
    }

    int generationBatch() {
        return promptsPerStep * numGenerations;
    }
}
