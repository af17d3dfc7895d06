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
            java.util.List<String> failures = ModelChecks.gradientFailures(be, m,
                    new ModelChecks.Problem(b, t, tokens, targets, g, 0.8f), 3, r);
            assertTrue(failures.isEmpty(), String.join("\n", failures));
            assertTrue(m.layout().entries().size() >= 4 + 12 * cfg.nLayer());
        }
    }
}
