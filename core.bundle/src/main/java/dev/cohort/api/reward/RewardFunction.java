package dev.cohort.api.reward;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Scores the completions of one generation batch.
 *
 * <p>Register an implementation as an OSGi service with the {@link #NAME} property (for example
 * a Declarative Services component annotated with {@link RewardFunctionService}); a run selects
 * it by that name. Functions are hot-discovered: a bundle installed between steps is used from
 * the next step on.
 *
 * <p>The trainer isolates every call: a function that throws, returns the wrong number of
 * values or runs past its time budget gets a column of NaN for that batch and a warning that
 * names it (unless the run is configured to fail instead).
 */
@ConsumerType
public interface RewardFunction {

    /** Service property (String): the name a run's configuration selects the function by. */
    String NAME = "cohort.reward.name";

    /**
     * Scores every sample of the batch.
     *
     * @param input the batch: prompts, completions, completion token ids, dataset rows, step
     * @return one value per sample ({@code input.size()} values); {@code Double.NaN} means
     *     "no reward" for that sample (TRL's None)
     */
    double[] score(RewardInput input);
}
