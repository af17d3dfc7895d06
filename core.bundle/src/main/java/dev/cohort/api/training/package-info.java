/**
 * Training progress for plugins: per-step metrics, published by the trainer and delivered to
 * {@link dev.cohort.api.training.TrainingListener} services as rollouts are delivered to
 * rollout listeners (own thread, bounded queue, isolation, replay across updates).
 */
@Export
@Version("1.1.0")
package dev.cohort.api.training;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
