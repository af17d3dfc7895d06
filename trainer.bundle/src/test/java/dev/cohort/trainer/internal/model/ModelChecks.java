package dev.cohort.trainer.internal.model;

import dev.cohort.trainer.internal.backend.JavaBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntPredicate;

/** Whole-model checks shared by the GPT-2 and Llama-family tests. */
final class ModelChecks {

    private ModelChecks() {
    }

    /** One problem: tokens, next-token targets (-1 = not scored), upstream gradients, temperature. */
    record Problem(int b, int t, int[] tokens, int[] targets, float[] g, float temperature) {
    }

    /**
     * The backward against central differences of {@code L = sum_i g_i * logp_i(params)} (h = 1e-2)
     * for {@code perTensor} random entries of every parameter tensor; the entries off by more
     * than 2e-3 + 3 % (the callers say why that bound holds), as lines naming tensor and index.
     */
    static List<String> gradientFailures(JavaBackend be, PolicyModel m, Problem pr, int perTensor, Random r) {
        float[] p = new float[(int) m.layout().total()];
        be.read(m.params().all(), p);
        m.zeroGrads();
        m.forward(pr.tokens(), pr.b(), pr.t());
        m.backward(pr.targets(), pr.g(), pr.temperature());
        float[] grads = new float[p.length];
        be.read(m.grads().all(), grads);
        List<String> failures = new ArrayList<>();
        for (ParamLayout.Entry e : m.layout().entries()) {
            for (int k = 0; k < perTensor; k++) {
                int idx = (int) (e.offset() + r.nextInt((int) e.size()));
                double numeric = (loss(be, m, p, idx, 1e-2f, pr) - loss(be, m, p, idx, -1e-2f, pr)) / 2e-2;
                double analytic = grads[idx];
                if (!(Math.abs(analytic - numeric) <= 2e-3 + 0.03 * Math.max(Math.abs(analytic), Math.abs(numeric)))) {
                    failures.add(e.name() + "[" + (idx - e.offset()) + "]: analytic " + analytic + " numeric " + numeric);
                }
            }
        }
        return failures;
    }

    private static double loss(JavaBackend be, PolicyModel m, float[] p, int idx, float h, Problem pr) {
        float saved = p[idx];
        p[idx] = saved + h;
        be.write(m.params().all(), p);
        m.forward(pr.tokens(), pr.b(), pr.t());
        float[] lp = new float[pr.tokens().length];
        m.logprobs(pr.targets(), pr.temperature(), lp, null);
        p[idx] = saved;
        be.write(m.params().all(), p);
        double sum = 0;
        for (int i = 0; i < lp.length; i++) {
            sum += (double) pr.g()[i] * lp[i];
        }
        return sum;
    }

    /** A greedy continuation computed by running the whole sequence through the model at every step. */
    record Greedy(int[] tokens, float[] logprobs) {
    }

    static Greedy greedyByRecomputation(JavaBackend be, PolicyModel m, int[] prompt, int steps, IntPredicate eos) {
        int v = m.config().vocabSize();
        List<Integer> seq = new ArrayList<>();
        for (int tok : prompt) {
            seq.add(tok);
        }
        int[] out = new int[steps];
        float[] lps = new float[steps];
        int n = 0;
        while (n < steps) {
            int[] ids = seq.stream().mapToInt(Integer::intValue).toArray();
            m.forward(ids, 1, ids.length);
            float[] lg = new float[ids.length * v];
            be.read(m.logits(), lg);
            int off = (ids.length - 1) * v;
            int best = 0;
            for (int k = 1; k < v; k++) {
                if (lg[off + k] > lg[off + best]) {
                    best = k;
                }
            }
            double z = 0;
            for (int k = 0; k < v; k++) {
                z += Math.exp(lg[off + k] - lg[off + best]);
            }
            out[n] = best;
            lps[n] = (float) -Math.log(z);
            n++;
            seq.add(best);
            if (eos.test(best)) {
                break;
            }
        }
        return new Greedy(java.util.Arrays.copyOf(out, n), java.util.Arrays.copyOf(lps, n));
    }
}
