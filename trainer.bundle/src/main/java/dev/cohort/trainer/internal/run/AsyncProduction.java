package dev.cohort.trainer.internal.run;

import dev.cohort.api.engine.RolloutEngine;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.tokenizer.Tokenizer;

/**
 * The producer thread's work in the asynchronous mode: before each batch it loads the newest
 * weights the trainer staged into its {@link GenerationPolicy} (and, for a remote engine, onto
 * the workers), so that every completion of a batch comes from one version; then it generates
 * (on the remote engine, or by sampling from its own copy), computes the trainer's log-probs under
 * those weights, scores and publishes the batch.
 */
final class AsyncProduction implements Prefetcher.ProducerWork, AutoCloseable {

    private final TrainerSettings s;
    private final BatchMaker maker;
    private final GenerationPolicy policy;
    private final RolloutEngine remote;
    private final EmbeddedEngine local;
    private final Tokenizer tok;
    private final Object staging = new Object();
    private long stagedVersion = -1;
    private Prefetcher prefetcher;

    /** {@code remote}: the rollout engine when it is not the embedded one, else null. */
    AsyncProduction(TrainerSettings s, BatchMaker maker, GenerationPolicy policy, RolloutEngine remote,
            Tokenizer tok) {
        this.s = s;
        this.maker = maker;
        this.policy = policy;
        this.remote = remote;
        this.local = remote == null ? new EmbeddedEngine(policy.model()) : null;
        this.tok = tok;
    }

    void attach(Prefetcher p) {
        this.prefetcher = p;
    }

    /** Trainer thread: copies the trainer's weights, of {@code version}, for the producer to load. */
    void stage(PolicyModel trainer, long version) {
        synchronized (staging) {
            policy.stage(trainer);
            stagedVersion = version;
        }
    }

    @Override
    public long position() {
        return maker.prompts().position();
    }

    @Override
    public long refreshWeights() {
        synchronized (staging) {
            if (stagedVersion != policy.version()) {
                policy.loadStaged(stagedVersion);
            }
        }
        long v = policy.version();
        if (remote != null && remote.weightsVersion() != v) {
            WeightSync.toEngine(policy.model(), tok, s.runDir(), remote, v);
        } else if (local != null) {
            local.advance(v);
        }
        return v;
    }

    @Override
    public Prefetcher.Produced make(int index, long positionBefore) throws Exception {
        int step = index * s.objective().numIterations();
        long version = refreshWeights();
        prefetcher.generating(index, version);
        long t0 = System.nanoTime();
        Rollouts r = maker.generate(step, version, remote != null ? remote : local);
        long t1 = System.nanoTime();
        r = r.withOldLogp(policy.logprobs(r, s.temperature(), s.microBatch()));
        long t2 = System.nanoTime();
        double[][] rewards = maker.score(r, step);
        return new Prefetcher.Produced(index, r, rewards, positionBefore, (t1 - t0) / 1e9,
                (System.nanoTime() - t2) / 1e9);
    }

    @Override
    public void close() {
        if (local != null) {
            local.close();
        }
        policy.close();
    }
}
