package dev.cohort.trainer.internal.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.trainer.internal.backend.JavaBackend;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The whole model's backward against central differences of L = sum_i g_i * logp_i(params), for
 * entries of every parameter tensor. Each backend op has its own gradient check; this one checks
 * the wiring (order, accumulation into the residual stream and the tied embedding). In float32
 * with h = 1e-2 and values O(1), rounding contributes ~1e-7 * |L| / h ~ 1e-5 and truncation
 * ~h^2 * f''' ~ 1e-4, so a relative bound of 3 % (absolute 2e-3 near zero) holds, while a
 * wiring error (a missing or doubled path) is off by O(1).
 */
class ModelGradientTest {

    @Test
    void backwardMatchesFiniteDifferencesForEveryParameterTensor() {
        ModelConfig cfg = ModelConfig.gpt2(2, 2, 8, 8, 11, 1e-5f, 10);
        try (JavaBackend be = new JavaBackend(1)) {
            PolicyModel m = ModelTest.model(be, cfg, 21);
            // larger weights than GPT-2's 0.02 so that every path carries signal, and embeddings of
            // unit scale (as in a trained model) so that h = 1e-2 is small against the LayerNorm
            // input's spread: with 0.02-sized embeddings, h would be a 10 % change of the input
            // whose variance LayerNorm divides by, and the difference quotient would measure curvature
            float[] p = new float[(int) m.layout().total()];
            be.read(m.params().all(), p);
            Random r = new Random(4);
            long embeddings = m.layout().get("wpe.weight").offset() + m.layout().get("wpe.weight").size();
            for (int i = 0; i < p.length; i++) {
                p[i] = i < embeddings ? (float) r.nextGaussian() : p[i] * 3 + (float) r.nextGaussian() * 0.05f;
            }
            be.write(m.params().all(), p);
            int b = 2;
            int t = 6;
            int[] tokens = ModelTest.randomTokens(b * t, cfg.vocabSize(), 5);
            int[] targets = ModelTest.randomTokens(b * t, cfg.vocabSize(), 6);
            targets[3] = -1;
            float[] g = new float[b * t];
            for (int i = 0; i < g.length; i++) {
                g[i] = (float) r.nextGaussian();
            }
            float temperature = 0.8f;
            m.zeroGrads();
            m.forward(tokens, b, t);
            m.backward(targets, g, temperature);
            float[] grads = new float[p.length];
            be.read(m.grads().all(), grads);

            int checked = 0;
            java.util.List<String> failures = new java.util.ArrayList<>();
            for (ParamLayout.Entry e : m.layout().entries()) {
                for (int k = 0; k < 3; k++) {
                    int idx = (int) (e.offset() + r.nextInt((int) e.size()));
                    double numeric = (loss(m, be, p, idx, 1e-2f, tokens, targets, g, temperature)
                            - loss(m, be, p, idx, -1e-2f, tokens, targets, g, temperature)) / 2e-2;
                    double analytic = grads[idx];
                    if (!(Math.abs(analytic - numeric) <= 2e-3 + 0.03 * Math.max(Math.abs(analytic), Math.abs(numeric)))) {
                        failures.add(e.name() + "[" + (idx - e.offset()) + "]: analytic " + analytic + " numeric " + numeric);
                    }
                    checked++;
                }
            }
            assertTrue(failures.isEmpty(), String.join("\n", failures));
            assertTrue(checked >= 3 * (4 + 12 * cfg.nLayer()));
        }
    }

    private static double loss(PolicyModel m, JavaBackend be, float[] p, int idx, float h, int[] tokens,
            int[] targets, float[] g, float temperature) {
        float saved = p[idx];
        p[idx] = saved + h;
        be.write(m.params().all(), p);
        m.forward(tokens, 2, 6);
        float[] lp = new float[tokens.length];
        m.logprobs(targets, temperature, lp, null);
        p[idx] = saved;
        be.write(m.params().all(), p);
        double sum = 0;
        for (int i = 0; i < lp.length; i++) {
            sum += (double) g[i] * lp[i];
        }
        return sum;
    }
}
