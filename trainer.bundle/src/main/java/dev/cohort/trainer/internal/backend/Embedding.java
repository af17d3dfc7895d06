package dev.cohort.trainer.internal.backend;

/**
 * Token plus position embedding. The forward is parallel over rows; the backward over column
 * ranges, each thread adding every row's slice of its columns in row order, so a token that
 * occurs twice never races and the sums do not depend on the thread count.
 */
final class Embedding {

    private static final int MIN_ROWS_PER_TASK = 32;
    private static final int MIN_COLS_PER_TASK = 64;

    private final ComputePool pool;
    private final ComputePool.RangeTask forwardTask = this::forwardRows;
    private final ComputePool.RangeTask backwardTask = this::backwardColumns;

    private ArrayTensor out;
    private ArrayTensor wte;
    private ArrayTensor wpe;
    private int[] tokens;
    private int[] positions;
    private int n;
    private int c;

    Embedding(ComputePool pool) {
        this.pool = pool;
    }

    /** out[r,:] = wte[tokens[r],:] + wpe[positions[r],:] (wpe may be null: no learned positions). */
    void forward(ArrayTensor out, int[] tokens, int[] positions, int n, ArrayTensor wte, ArrayTensor wpe, int c) {
        set(out, tokens, positions, n, wte, wpe, c);
        try {
            pool.forEach(n, MIN_ROWS_PER_TASK, forwardTask);
        } finally {
            set(null, null, null, 0, null, null, 0);
        }
    }

    private void forwardRows(int worker, int from, int to) {
        for (int r = from; r < to; r++) {
            int o = out.offset + r * c;
            int te = wte.offset + tokens[r] * c;
            if (wpe == null) {
                System.arraycopy(wte.data, te, out.data, o, c);
                continue;
            }
            int pe = wpe.offset + positions[r] * c;
            for (int i = 0; i < c; i++) {
                out.data[o + i] = wte.data[te + i] + wpe.data[pe + i];
            }
        }
    }

    /** dwte[tokens[r],:] += dout[r,:]; dwpe[positions[r],:] += dout[r,:]. */
    void backward(ArrayTensor dwte, ArrayTensor dwpe, ArrayTensor dout, int[] tokens, int[] positions, int n,
            int c) {
        set(dout, tokens, positions, n, dwte, dwpe, c);
        try {
            pool.forEach(c, MIN_COLS_PER_TASK, backwardTask);
        } finally {
            set(null, null, null, 0, null, null, 0);
        }
    }

    private void backwardColumns(int worker, int from, int to) {
        ArrayTensor dout = out;
        for (int r = 0; r < n; r++) {
            int g = dout.offset + r * c;
            int te = wte.offset + tokens[r] * c;
            for (int i = from; i < to; i++) {
                wte.data[te + i] += dout.data[g + i];
            }
            if (wpe != null) {
                int pe = wpe.offset + positions[r] * c;
                for (int i = from; i < to; i++) {
                    wpe.data[pe + i] += dout.data[g + i];
                }
            }
        }
    }

    /** For the backward, {@code out} holds dout and the tables hold their gradients. */
    private void set(ArrayTensor out, int[] tokens, int[] positions, int n, ArrayTensor wte, ArrayTensor wpe,
            int c) {
        this.out = out;
        this.tokens = tokens;
        this.positions = positions;
        this.n = n;
        this.wte = wte;
        this.wpe = wpe;
        this.c = c;
    }
}
