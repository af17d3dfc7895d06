package dev.cohort.trainer.internal.objective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Each kernel's backward against a central difference of its forward (h = 1e-5; the error is
 * O(h^2) * f''' + O(eps/h), about 1e-10 for these O(1) functions), away from the clip kinks.
 */
class TokenKernelsTest {
    private static final double H = 1e-5;
    private static final double TOL = 1e-8;
    private static final double LO = 0.2;
    private static final double HI = 0.28;

    @Test
    void surrogateBackwardIsDerivativeInLogRatio() {
        double[] ratios = {0.3, 0.7, 0.9, 1.0, 1.1, 1.27, 1.3, 2.5};
        double[] advantages = {-2, -0.5, 0, 0.5, 2};
        for (double w : ratios) {
            for (double a : advantages) {
                double l = Math.log(w);
                double numeric = (TokenKernels.surrogate(Math.exp(l + H), a, LO, HI)
                        - TokenKernels.surrogate(Math.exp(l - H), a, LO, HI)) / (2 * H);
                assertEquals(numeric, TokenKernels.surrogateBackward(w, a, LO, HI), TOL,
                        "w " + w + " A " + a);
            }
        }
    }

    @Test
    void k3BackwardIsDerivativeInLogp() {
        double[] ds = {-3, -0.5, -1e-3, 0, 1e-6, 0.7, 2};
        for (double d : ds) {
            double logp = -1.3;
            double ref = logp + d;
            double numeric = (TokenKernels.k3(ref, logp + H) - TokenKernels.k3(ref, logp - H)) / (2 * H);
            assertEquals(numeric, TokenKernels.k3Backward(ref, logp), TOL, "d " + d);
        }
    }

    @Test
    void k3IsAccurateForTinyDifferences() {
        // e^d - d - 1 = d^2/2 + d^3/6 + ... For d = 1e-6 that is 5.0000016667e-13; written
        // exp(d) - d - 1 in double it comes out 5.00044e-13 (4th digit wrong), for d = 1e-8 as
        // -1.1e-16 (negative, sign wrong). expm1(d) - d keeps 8 digits at 1e-8 (relative error about
        // 2 eps / d).
        assertEquals(5.000001666667e-13, TokenKernels.k3(1e-6, 0), 1e-21);
        assertEquals(5.000000016667e-17, TokenKernels.k3(1e-8, 0), 1e-24);
        assertEquals(0, TokenKernels.k3(-1.5, -1.5), 0.0);
    }

    @Test
    void clipFlagsFollowTrl() {
        assertTrue(TokenKernels.clippedLow(0.79, -1, LO));
        assertFalse(TokenKernels.clippedLow(0.79, 1, LO));
        assertFalse(TokenKernels.clippedLow(0.8, -1, LO));
        assertTrue(TokenKernels.clippedHigh(1.29, 1, HI));
        assertFalse(TokenKernels.clippedHigh(1.29, -1, HI));
        assertFalse(TokenKernels.clippedHigh(1.28, 1, HI));
        assertFalse(TokenKernels.clippedHigh(1.5, 0, HI));
    }
}
