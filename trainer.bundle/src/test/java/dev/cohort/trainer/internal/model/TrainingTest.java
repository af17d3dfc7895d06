package dev.cohort.trainer.internal.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.tokenizer.CharTokenizer;
import org.junit.jupiter.api.Test;

/** A small model trained with cross-entropy on a fixed corpus learns it. */
class TrainingTest {

    static final String CORPUS = "the quick brown fox jumps over the lazy dog. ";

    @Test
    void crossEntropyLossFallsByMoreThanHalfInSixtySteps() {
        CharTokenizer tok = new CharTokenizer("abcdefghijklmnopqrstuvwxyz .");
        ModelConfig cfg = ModelConfig.gpt2(2, 2, 32, 64, tok.vocabSize(), 1e-5f, tok.eos());
        int[] ids = tok.encode(CORPUS.repeat(6));
        int b = 4;
        int t = 32;
        try (JavaBackend be = new JavaBackend(2)) {
            PolicyModel m = ModelTest.model(be, cfg, 1);
            AdamW opt = new AdamW(m, new AdamW.Settings(0.9f, 0.95f, 1e-8f, 0.0f, false, 1.0f));
            int[] tokens = new int[b * t];
            int[] targets = new int[b * t];
            float[] lp = new float[b * t];
            float[] g = new float[b * t];
            java.util.Arrays.fill(g, -1f / (b * t));
            double first = 0;
            double last = 0;
            for (int step = 0; step < 60; step++) {
                for (int s = 0; s < b; s++) {
                    int start = (step * 7 + s * 13) % (ids.length - t - 1);
                    System.arraycopy(ids, start, tokens, s * t, t);
                    System.arraycopy(ids, start + 1, targets, s * t, t);
                }
                m.forward(tokens, b, t);
                m.logprobs(targets, 1f, lp, null);
                double loss = 0;
                for (float v : lp) {
                    loss -= v / lp.length;
                }
                if (step == 0) {
                    first = loss;
                }
                last = loss;
                m.zeroGrads();
                m.backward(targets, g, 1f);
                opt.update(3e-3);
            }
            assertTrue(first > 3.0, "initial loss " + first + " is about ln(29) = 3.37");
            assertTrue(last < 0.5 * first, "loss " + first + " -> " + last);
        }
    }
}
