package dev.cohort.trainer.internal.objective;

/** Welford's running mean and unbiased variance of a stream of values; NaN values are skipped. */
final class RunningStats {
    private long count;
    private double mean;
    private double sumSquares;

    void add(double x) {
        if (Double.isNaN(x)) {
            return;
        }
        count++;
        double delta = x - mean;
        mean += delta / count;
        sumSquares += delta * (x - mean);
    }

    /** Mean of the values added; NaN when none was. */
    double mean() {
        return count == 0 ? Double.NaN : mean;
    }

    /** Unbiased std; NaN with fewer than two values, as torch's unbiased std of one element. */
    double std() {
        return count < 2 ? Double.NaN : Math.sqrt(sumSquares / (count - 1));
    }

    void reset() {
        count = 0;
        mean = 0;
        sumSquares = 0;
    }
}
