package dev.cohort.trainer.internal.model;

import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.backend.Backend.Layout;
import dev.cohort.trainer.internal.backend.Tensor;
import java.util.Arrays;

/**
 * The LM head and the log-probs of chosen tokens over chunks of positions, so that the
 * (positions x vocabulary) logits never live in memory at once: Qwen's vocabulary of 151,936
 * would need 20 GB of fp32 logits for 64 completions of 512 tokens, and as much again for their
 * gradient. A chunk's logits are computed, turned into log-probs and entropies, and dropped; the
 * backward recomputes each chunk's logits (one more head product per chunk, except the chunk
 * still resident from the log-probs) and takes its gradient into the final norm's output and
 * the head's weight.
 */
final class LmHead {

    /** Logits held at once by default, in floats (256 MB). */
    static final long LOGITS_BUDGET = 1L << 26;

    private final Backend be;
    private final long budget;
    private final int c;
    private final int v;
    /** The chunk whose logits the buffer holds, or -1. */
    private int resident = -1;

    LmHead(Backend be, ModelConfig cfg, long budget) {
        this.be = be;
        this.budget = budget;
        this.c = cfg.nEmbd();
        this.v = cfg.vocabSize();
    }

    /** Positions per chunk for up to {@code n} positions. */
    int chunkRows(long n) {
        return (int) Math.max(1, Math.min(n, budget / v));
    }

    /** The buffer's contents are stale (a new forward ran). */
    void invalidate() {
        resident = -1;
    }

    /** out (rows, V) = logits of positions [r0, r0 + rows) of lnf (N, C). */
    void logits(Tensor out, Tensor lnf, Tensor weight, int r0, int rows) {
        Tensor in = be.view(lnf, "lnf.rows", (long) r0 * c, rows * c);
        be.matmulForward(out, in, weight, null, rows, c, v, Layout.OUT_IN);
    }

    /** Log-probs (and entropies) of {@code targets} for the n positions, chunk by chunk. */
    void logprobs(Activations acts, Tensor weight, int n, int[] targets, float temperature, float[] out,
            float[] entropy) {
        int rows = chunkRows(n);
        for (int r0 = 0, chunk = 0; r0 < n; r0 += rows, chunk++) {
            int k = Math.min(rows, n - r0);
            logits(acts.logits, acts.lnf, weight, r0, k);
            resident = chunk;
            float[] lp = new float[k];
            float[] ent = entropy == null ? null : new float[k];
            be.tokenLogprobs(lp, ent, acts.logits, Arrays.copyOfRange(targets, r0, r0 + k), k, v, temperature);
            System.arraycopy(lp, 0, out, r0, k);
            if (ent != null) {
                System.arraycopy(ent, 0, entropy, r0, k);
            }
        }
    }

    /**
     * Zeroes acts.dln and accumulates into it (N, C) and into dweight the gradient of
     * {@code sum g[i] * logprob[i]}, last chunk first.
     */
    void backward(Activations acts, Tensor weight, Tensor dweight, int n, int[] targets, float[] g,
            float temperature) {
        int rows = chunkRows(n);
        int chunks = (n + rows - 1) / rows;
        be.zero(acts.dln);
        for (int chunk = chunks - 1; chunk >= 0; chunk--) {
            int r0 = chunk * rows;
            int k = Math.min(rows, n - r0);
            if (resident != chunk) {
                logits(acts.logits, acts.lnf, weight, r0, k);
                resident = chunk;
            }
            be.tokenLogprobsBackward(acts.dlogits, acts.logits, Arrays.copyOfRange(targets, r0, r0 + k),
                    Arrays.copyOfRange(g, r0, r0 + k), k, v, temperature);
            Tensor dln = be.view(acts.dln, "dln.rows", (long) r0 * c, k * c);
            Tensor lnf = be.view(acts.lnf, "lnf.rows", (long) r0 * c, k * c);
            be.matmulBackward(dln, dweight, null, acts.dlogits, lnf, weight, k, c, v, Layout.OUT_IN);
        }
    }
}
