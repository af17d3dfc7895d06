package dev.cohort.trainer.internal.backend;

import static dev.cohort.trainer.internal.backend.Fixtures.tensor;
import static dev.cohort.trainer.internal.backend.Fixtures.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SamplerTest {

    /** log p of {0.5, 0.25, 0.15, 0.1}. */
    private static final float[] FOUR = {(float) Math.log(0.5), (float) Math.log(0.25), (float) Math.log(0.15),
        (float) Math.log(0.1)};

    private final JavaBackend be = new JavaBackend(2);

    @AfterEach
    void close() {
        be.close();
    }

    /** One call over {@code rows} copies of {@code logits}, row r seeded with SplitMix64.seed(seed, r). */
    private int[] draw(float[] logits, int rows, float t, int topK, float topP, float minP, long seed) {
        int v = logits.length;
        float[] all = new float[rows * v];
        long[] rng = new long[rows];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(logits, 0, all, r * v, v);
            rng[r] = SplitMix64.seed(seed, r);
        }
        int[] tokens = new int[rows];
        be.sample(tokens, new float[rows], new float[rows], tensor(be, "logits", all), rows, v, t, topK, topP, minP,
                rng);
        return tokens;
    }

    private static int[] histogram(int[] tokens, int v) {
        int[] h = new int[v];
        for (int t : tokens) {
            h[t]++;
        }
        return h;
    }

    @Test
    void greedyIsArgmaxWithTiesToTheLowestId() {
        float[] x = {1f, 3f, -2f, 3f, 0f};
        assertArrayEquals(new int[] {1, 1, 1}, draw(x, 3, 0f, 0, 1f, 0f, 1));
        assertArrayEquals(new int[] {1, 1, 1}, draw(x, 3, 1f, 1, 1f, 0f, 2), "top-k 1 is greedy too");
    }

    @Test
    void aSeedReproducesARowWhateverElseIsInTheBatch() {
        float[] x = uniform(1, 300, 3f);
        int[] a = draw(x, 40, 1f, 0, 1f, 0f, 42);
        assertArrayEquals(a, draw(x, 40, 1f, 0, 1f, 0f, 42));
        // row 7 alone, with the state row 7 had in the batch
        long[] rng = {SplitMix64.seed(42, 7)};
        int[] token = new int[1];
        be.sample(token, new float[1], new float[1], tensor(be, "one", x), 1, 300, 1f, 0, 1f, 0f, rng);
        assertEquals(a[7], token[0]);
        assertTrue(histogram(a, 300).length == 300 && Arrays.stream(a).distinct().count() > 10, "varied draws");
    }

    @Test
    void drawsFollowTheSoftmax() {
        float[] x = {0.3f, -1f, 1.2f, 0f, 0.5f, -0.4f, 2f, -2f};
        for (float t : new float[] {1f, 0.7f}) {
            int draws = 20_000;
            int[] h = histogram(draw(x, draws, t, 0, 1f, 0f, 7), x.length);
            double[] lp = LogprobsTest.logSoftmax(x, 0, x.length, t);
            double chi2 = 0;
            for (int i = 0; i < x.length; i++) {
                double e = draws * Math.exp(lp[i]);
                chi2 += (h[i] - e) * (h[i] - e) / e;
            }
            // 7 degrees of freedom: P(chi2 > 24.3) = 0.001; the seed is fixed, so this cannot flake
            assertTrue(chi2 < 24.3, "chi-square " + chi2 + " at temperature " + t + " for " + Arrays.toString(h));
        }
    }

    @Test
    void topKTopPAndMinPNeverPickAFilteredToken() {
        int draws = 4000;
        // top-p 0.7: 0.5 < 0.7 <= 0.75, so {0, 1}
        int[] h = histogram(draw(FOUR, draws, 1f, 0, 0.7f, 0f, 1), 4);
        assertEquals(0, h[2] + h[3], "top-p " + Arrays.toString(h));
        assertEquals(2.0, h[0] / (double) h[1], 0.2, "renormalised 2:1");
        // min-p 0.4: drop p < 0.2, so {0, 1}
        h = histogram(draw(FOUR, draws, 1f, 0, 1f, 0.4f, 2), 4);
        assertEquals(0, h[2] + h[3], "min-p " + Arrays.toString(h));
        // top-k 3 then top-p 0.8 over the renormalised {0.556, 0.278, 0.167}: {0, 1}
        h = histogram(draw(FOUR, draws, 1f, 3, 0.8f, 0f, 3), 4);
        assertEquals(0, h[2] + h[3], "top-k then top-p " + Arrays.toString(h));
        // top-k 3 alone
        h = histogram(draw(FOUR, draws, 1f, 3, 1f, 0f, 4), 4);
        assertEquals(0, h[3], "top-k " + Arrays.toString(h));
        assertTrue(h[2] > 0);
    }

    @Test
    void nucleusOverALargeVocabularyEqualsTheSortedDefinition() {
        int v = 50257;
        float[] x = uniform(5, v, 4f);
        float topP = 0.9f;
        boolean[] nucleus = nucleus(x, topP);
        for (int token : draw(x, 500, 1f, 0, topP, 0f, 9)) {
            assertTrue(nucleus[token], "token " + token + " is outside the nucleus");
        }
        // one token holding a third of the mass, the rest spread thin: the prefilter must fall back to all tokens
        float[] spread = new float[v];
        spread[123] = 10f;
        boolean[] wide = nucleus(spread, topP);
        int[] tokens = draw(spread, 200, 1f, 0, topP, 0f, 10);
        assertTrue(Arrays.stream(tokens).anyMatch(t -> t != 123), "draws beyond the top token");
        for (int token : tokens) {
            assertTrue(wide[token]);
        }
    }

    /** Tokens of the smallest prefix, by descending probability (ties to the lower id), reaching p. */
    private static boolean[] nucleus(float[] x, float p) {
        double[] lp = LogprobsTest.logSoftmax(x, 0, x.length, 1.0);
        Integer[] order = new Integer[x.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> x[a] != x[b] ? Float.compare(x[b], x[a]) : Integer.compare(a, b));
        boolean[] in = new boolean[x.length];
        double cum = 0;
        for (int id : order) {
            in[id] = true;
            cum += Math.exp(lp[id]);
            if (cum >= p) {
                break;
            }
        }
        return in;
    }

    @Test
    void logprobsAreBeforeFilteringAndAtTemperatureOne() {
        int v = 50;
        int n = 6;
        float t = 0.6f;
        float[] x = uniform(6, n * v, 3f);
        long[] rng = new long[n];
        for (int r = 0; r < n; r++) {
            rng[r] = SplitMix64.seed(3, r);
        }
        int[] tokens = new int[n];
        float[] lp = new float[n];
        float[] lp1 = new float[n];
        be.sample(tokens, lp, lp1, tensor(be, "logits", x), n, v, t, 5, 0.9f, 0.05f, rng);
        for (int r = 0; r < n; r++) {
            double[] scaled = LogprobsTest.logSoftmax(x, r * v, v, t);
            double[] plain = LogprobsTest.logSoftmax(x, r * v, v, 1.0);
            assertEquals(scaled[tokens[r]], lp[r], 1e-5, "logprob at temperature " + t);
            assertEquals(plain[tokens[r]], lp1[r], 1e-5, "logprob at temperature 1");
        }
        float[] greedyLp = new float[n];
        be.sample(tokens, greedyLp, lp1, tensor(be, "logits2", x), n, v, 0f, 0, 1f, 0f, rng);
        for (int r = 0; r < n; r++) {
            assertEquals(0f, greedyLp[r], "greedy: the chosen token has probability 1");
            assertEquals(LogprobsTest.logSoftmax(x, r * v, v, 1.0)[tokens[r]], lp1[r], 1e-5);
        }
    }

    @Test
    void splitMix64MatchesTheReferenceSequence() {
        // reference outputs of SplitMix64 seeded with 0 (as in Vigna's splitmix64.c)
        long[] state = {0L};
        assertEquals(0xE220A8397B1DCDAFL, SplitMix64.next(state, 0));
        assertEquals(0x6E789E6AA1B965F4L, SplitMix64.next(state, 0));
        assertEquals(0x06C45D188009454FL, SplitMix64.next(state, 0));
    }
}
