/**
 * Scored rollouts and the plugins that receive them.
 *
 * <p>A trainer calls {@link dev.cohort.api.rollout.RolloutPublisher#publish} once per GRPO scoring
 * step; core delivers the {@link dev.cohort.api.rollout.RolloutBatch} to every registered
 * {@link dev.cohort.api.rollout.RolloutListener} service on that listener's own thread.
 */
@Export
@Version("1.1.0")
package dev.cohort.api.rollout;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
