package dev.cohort.trainer.internal.objective;

/**
 * NaN-skipping mean and unbiased std over a range of an array, as torch's nanmean and TRL's
 * nanstd compute them. A range with no value has mean NaN; one with a single value has std NaN
 * (0/0, as torch's unbiased std of one element).
 */
final class NanStats {
    /** Absolute tolerance under which a std counts as zero, as torch.isclose(std, 0) decides. */
    static final double ZERO_STD_ATOL = 1e-8;

    private NanStats() {}

    /** Non-NaN values in x[from, to). */
    static int count(double[] x, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            if (!Double.isNaN(x[i])) {
                n++;
            }
        }
        return n;
    }

    /**
     * Mean of the non-NaN values in x[from, to), NaN when there are none. Shifted by the first
     * value, so that a range of equal values has exactly that value as its mean and its centred
     * values (the advantage numerators) are exactly 0.
     */
    static double mean(double[] x, int from, int to) {
        double shift = Double.NaN;
        double sum = 0;
        int n = 0;
        for (int i = from; i < to; i++) {
            if (Double.isNaN(x[i])) {
                continue;
            }
            if (n == 0) {
                shift = x[i];
            }
            sum += x[i] - shift;
            n++;
        }
        return n == 0 ? Double.NaN : shift + sum / n;
    }

    /** Unbiased std (divide by n - 1) of the non-NaN values around their mean; NaN when n < 2. */
    static double std(double[] x, int from, int to, double mean) {
        double sumSq = 0;
        int n = 0;
        for (int i = from; i < to; i++) {
            if (!Double.isNaN(x[i])) {
                double d = x[i] - mean;
                sumSq += d * d;
                n++;
            }
        }
        return n < 2 ? Double.NaN : Math.sqrt(sumSq / (n - 1));
    }

    /** Unbiased NaN-skipping std of x[from, to). */
    static double std(double[] x, int from, int to) {
        return std(x, from, to, mean(x, from, to));
    }

    /** Whether a std counts as zero (torch.isclose to 0 with atol 1e-8); NaN is never zero. */
    static boolean isZeroStd(double std) {
        return Math.abs(std) <= ZERO_STD_ATOL;
    }
}
