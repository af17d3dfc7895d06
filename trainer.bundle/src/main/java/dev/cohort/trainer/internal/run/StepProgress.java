package dev.cohort.trainer.internal.run;

import dev.cohort.api.training.TrainingMetrics;

/** Receives every step of a run, told whether it is a logging step (its number a multiple of logging_steps). */
interface StepProgress {

    StepProgress NONE = (m, logged) -> { };

    void step(TrainingMetrics m, boolean loggingStep);
}
