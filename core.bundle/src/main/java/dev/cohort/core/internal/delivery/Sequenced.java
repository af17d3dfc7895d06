package dev.cohort.core.internal.delivery;

import dev.cohort.api.rollout.RolloutBatch;

/** A published batch with the sequence number core gave it. */
record Sequenced(long seq, RolloutBatch batch) {
}
