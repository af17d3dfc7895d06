package dev.cohort.trainer.internal.objective;

/**
 * The per-token pieces of the GRPO loss, each forward next to its backward. Scalars in, scalars
 * out; the ratio w = exp(l) with l the log-ratio (token or sequence level), A the sample's
 * advantage.
 */
final class TokenKernels {
    private TokenKernels() {}

    /** Clipped surrogate S = -min(w A, clip(w, 1 - lo, 1 + hi) A). */
    static double surrogate(double w, double a, double lo, double hi) {
        double clipped = Math.min(Math.max(w, 1 - lo), 1 + hi);
        return -Math.min(w * a, clipped * a);
    }

    /**
     * dS/dl with w = exp(l): -w A where the unclipped term is the minimum (dw/dl = w), 0 where the
     * clipped constant is (the token is clipped low or high). At a tie (w inside the range, where
     * both terms are equal) torch splits the gradient in halves that add up to -w A again.
     */
    static double surrogateBackward(double w, double a, double lo, double hi) {
        return clippedLow(w, a, lo) || clippedHigh(w, a, hi) ? 0 : -w * a;
    }

    /** TRL's is_low_clipped: w < 1 - eps_low with a negative advantage. */
    static boolean clippedLow(double w, double a, double lo) {
        return w < 1 - lo && a < 0;
    }

    /** TRL's is_high_clipped: w > 1 + eps_high with a positive advantage. */
    static boolean clippedHigh(double w, double a, double hi) {
        return w > 1 + hi && a > 0;
    }

    /**
     * k3 KL estimator exp(d) - d - 1 with d = ref - logp, written expm1(d) - d: exp(d) - 1 cancels
     * for small d, expm1 does not, and the remaining subtraction loses only relative accuracy of a
     * term that is O(d^2) small.
     */
    static double k3(double ref, double logp) {
        double d = ref - logp;
        return Math.expm1(d) - d;
    }

    /** dk3/dlogp = (exp(d) - 1) * dd/dlogp = -(exp(d) - 1) = -expm1(d). */
    static double k3Backward(double ref, double logp) {
        return -Math.expm1(ref - logp);
    }
}
