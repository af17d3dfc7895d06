package dev.cohort.trainer.internal.backend;

import static dev.cohort.trainer.internal.backend.Fixtures.assertClose;
import static dev.cohort.trainer.internal.backend.Fixtures.read;
import static dev.cohort.trainer.internal.backend.Fixtures.tensor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AdamWTest {

    private final JavaBackend be = new JavaBackend(2);

    @AfterEach
    void close() {
        be.close();
    }

    @ParameterizedTest
    @ValueSource(floats = {0f, 0.1f})
    void twoStepsMatchTheHandComputedUpdate(float wd) {
        float lr = 1e-2f;
        float b1 = 0.9f;
        float b2 = 0.95f;
        float eps = 1e-8f;
        float[] p = {1f, -2f, 0.5f};
        float[] g1 = {0.1f, 0.2f, -0.3f};
        float[] g2 = {-0.05f, 0.4f, 0.0f};
        Tensor params = tensor(be, "params", p);
        Tensor grads = tensor(be, "grads", g1);
        Tensor m = be.allocate("m", 3);
        Tensor v = be.allocate("v", 3);
        be.adamw(params, grads, m, v, 3, lr, b1, b2, eps, wd, 1);
        be.write(grads, g2);
        be.adamw(params, grads, m, v, 3, lr, b1, b2, eps, wd, 2);

        double[] expected = new double[3];
        double[] em = new double[3];
        double[] ev = new double[3];
        for (int i = 0; i < 3; i++) {
            double x = p[i];
            // step 1: m = (1-b1) g, v = (1-b2) g^2, mhat = m / (1-b1), vhat = v / (1-b2)
            double m1 = (1 - b1) * g1[i];
            double v1 = (1 - b2) * g1[i] * g1[i];
            x -= lr * (m1 / (1 - b1) / (Math.sqrt(v1 / (1 - b2)) + eps) + wd * x);
            // step 2: corrections 1 - b^2
            double m2 = b1 * m1 + (1 - b1) * g2[i];
            double v2 = b2 * v1 + (1 - b2) * g2[i] * g2[i];
            double mhat = m2 / (1 - (double) b1 * b1);
            double vhat = v2 / (1 - (double) b2 * b2);
            x -= lr * (mhat / (Math.sqrt(vhat) + eps) + wd * x);
            expected[i] = x;
            em[i] = m2;
            ev[i] = v2;
        }
        assertClose("params", expected, read(be, params), 1e-6, 1e-7);
        assertClose("m", em, read(be, m), 1e-5, 1e-9);
        assertClose("v", ev, read(be, v), 1e-5, 1e-10);
    }
}
