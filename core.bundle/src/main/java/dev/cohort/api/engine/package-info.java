/**
 * Rollout engines: what generates the completions of a GRPO step. The trainer has an embedded
 * engine (its own model and sampler); other bundles (the inference-worker bridge) provide
 * {@link dev.cohort.api.engine.RolloutEngine} services selected by name.
 */
@Export
@Version("1.0.0")
package dev.cohort.api.engine;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
