/**
 * Reward functions: services that score completions, discovered at run time.
 *
 * <p>A run's configuration selects {@link dev.cohort.api.reward.RewardFunction} services by their
 * {@link dev.cohort.api.reward.RewardFunction#NAME} and gives each a weight. The trainer calls
 * every selected function once per generation batch with one
 * {@link dev.cohort.api.reward.RewardInput}.
 */
@Export
@Version("1.0.0")
package dev.cohort.api.reward;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
