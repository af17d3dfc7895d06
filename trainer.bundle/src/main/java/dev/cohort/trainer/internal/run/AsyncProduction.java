package dev.cohort.trainer.internal.run;

import dev.cohort.api.engine.RolloutEngine;
import dev.cohort.trainer.internal.model.PolicyModel;
import dev.cohort.trainer.internal.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The producer's work in the asynchronous mode. Before each batch it takes the newest weights
 * the trainer staged, so that every completion of a batch comes from one version; then it
 * generates, computes the trainer's log-probs under those weights, scores and publishes.
 *
 * <p>With the embedded engine one copy of the policy ({@link GenerationPolicy}) samples and
 * computes the log-probs, on the producer thread; so does a remote engine's with prefetch_depth
 * 1 (the next batch cannot start before this one is trained). With a remote engine (the bridge)
 * and a deeper prefetch the work is {@link #pipelined pipelined}: the producer thread writes
 * each version for the workers from a host copy that never computes and has them generate; the
 * scorer thread computes the log-probs with a copy that loads each batch's version from the very
 * files the workers loaded, so the workers generate the next batch meanwhile.
 */
final class AsyncProduction implements Prefetcher.ProducerWork, AutoCloseable {

    private final TrainerSettings s;
    private final BatchMaker maker;
    /** Embedded: samples and scores. Remote: holds the staged weights to write them for the workers. */
    private final GenerationPolicy policy;
    /** Remote only: the scorer's copy, at the version of the batch it finishes. */
    private final GenerationPolicy scorer;
    private final RolloutEngine remote;
    private final EmbeddedEngine local;
    private final Tokenizer tok;
    private final SyncDirectories syncDirs;
    private final Object staging = new Object();
    private long stagedVersion = -1;
    private Prefetcher prefetcher;

    /** {@code remote}: the rollout engine when it is not the embedded one, else null. */
    AsyncProduction(TrainerSettings s, BatchMaker maker, PolicyModel trainer, RolloutEngine remote, Tokenizer tok,
            SyncDirectories syncDirs) {
        this.s = s;
        this.maker = maker;
        this.remote = remote;
        this.tok = tok;
        this.syncDirs = syncDirs;
        boolean pipelined = pipelined(s, remote);
        this.policy = pipelined ? GenerationPolicy.host(trainer) : GenerationPolicy.of(trainer);
        GenerationPolicy sc = null;
        try {
            sc = pipelined ? GenerationPolicy.of(trainer) : null;
            this.local = remote == null ? new EmbeddedEngine(policy.model()) : null;
        } catch (RuntimeException | Error e) {
            if (sc != null) {
                sc.close();
            }
            policy.close();
            throw e;
        }
        this.scorer = sc;
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

    /** Whether a run's production is pipelined: a remote engine and more than one batch in flight. */
    static boolean pipelined(TrainerSettings s, RolloutEngine remote) {
        return remote != null && s.async().enabled() && s.async().depth() >= 2;
    }

    @Override
    public boolean pipelined() {
        return scorer != null;
    }

    /**
     * Loads the newest staged weights when they are newer than the producer's copy, and brings the
     * engine to them; returns their version.
     */
    private long refreshWeights() {
        synchronized (staging) {
            if (stagedVersion != policy.version()) {
                policy.loadStaged(stagedVersion);
            }
        }
        long v = policy.version();
        if (remote != null && (remote.weightsVersion() != v || !syncDirs.has(v))) {
            Path dir = WeightSync.toEngine(policy.model(), tok, s.runDir(), remote, v);
            syncDirs.loaded(v, dir);
        } else if (local != null) {
            local.advance(v);
        }
        return v;
    }

    @Override
    public Prefetcher.Generated generate(int index, long positionBefore) {
        int step = index * s.objective().numIterations();
        long version = refreshWeights();
        prefetcher.generating(index, version);
        long t0 = System.nanoTime();
        Rollouts r = maker.generate(step, version, remote != null ? remote : local);
        return new Prefetcher.Generated(index, r, version, positionBefore, (System.nanoTime() - t0) / 1e9);
    }

    @Override
    public Prefetcher.Produced finish(Prefetcher.Generated b) throws InterruptedException {
        GenerationPolicy lp = policy;
        if (scorer != null) {
            if (scorer.version() != b.version()) {
                try {
                    scorer.loadCheckpoint(syncDirs.dir(b.version()), b.version());
                } catch (IOException e) {
                    throw new UncheckedIOException("the scorer could not load weights version " + b.version()
                            + " from " + syncDirs.dir(b.version()) + ": " + e.getMessage(), e);
                }
            }
            syncDirs.scored(b.version());
            lp = scorer;
        }
        int step = b.index() * s.objective().numIterations();
        Rollouts r = b.rollouts().withOldLogp(lp.logprobs(b.rollouts(), s.temperature(), s.microBatch()));
        long t0 = System.nanoTime();
        double[][] rewards = maker.score(r, step);
        return new Prefetcher.Produced(b.index(), r, rewards, b.positionBefore(), b.generationSeconds(),
                (System.nanoTime() - t0) / 1e9);
    }

    @Override
    public void close() {
        if (local != null) {
            local.close();
        }
        if (scorer != null) {
            scorer.close();
        }
        policy.close();
    }
}
