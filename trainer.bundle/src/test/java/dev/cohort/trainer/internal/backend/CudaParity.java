package dev.cohort.trainer.internal.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Locale;

/**
 * What the CUDA parity tests ({@code CudaParityTest}, {@code CudaModelParityTest},
 * {@code CudaGrpoParityTest}) share: the skip, with the reason, where there is no usable device,
 * and the comparison of a CUDA result with the Java backend's that reports the worst element.
 */
public final class CudaParity {

    private CudaParity() {
    }

    /** Skips the calling test (every test, from a {@code @BeforeEach}) with the reason where CUDA is unusable. */
    public static void assumeDevice() {
        CudaLibrary.Probe p = CudaLibrary.probe();
        assumeTrue(p.available(), "no CUDA: " + p.reason());
    }

    /**
     * {@code actual} (CUDA) within {@code tol} of {@code expected} (Java): absolute, or relative to
     * the largest |expected|. Prints the worst error as a {@code [parity]} line; fails naming the
     * worst element.
     */
    public static void assertClose(String what, float[] expected, float[] actual, double tol, boolean relative) {
        assertEquals(expected.length, actual.length, what + ": length");
        double max = 0;
        for (float e : expected) {
            max = Math.max(max, Math.abs(e));
        }
        double scale = relative ? Math.max(max, 1e-30) : 1;
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double err = Math.abs(expected[i] - actual[i]) / scale;
            if (!(err <= worst)) {
                worst = err;
                at = i;
            }
        }
        System.out.printf(Locale.ROOT, "[parity] %-48s worst %s error %.3g%n", what, relative ? "relative" : "absolute",
                worst);
        if (!(worst <= tol)) {
            throw new AssertionError(String.format(Locale.ROOT,
                    "%s: element %d is %s on CUDA, %s on Java (%s error %.3g > %.1g)", what, at, actual[at],
                    expected[at], relative ? "relative" : "absolute", worst, tol));
        }
    }
}
