package dev.cohort.trainer.internal.backend;

import static dev.cohort.trainer.internal.backend.CudaParity.assertClose;

import java.util.SplittableRandom;

/** Tensors with the same numbers on a Java and a CUDA backend, for the op-level parity tests. */
final class CudaTwins {

    final JavaBackend java;
    final CudaBackend cuda;

    CudaTwins(JavaBackend java, CudaBackend cuda) {
        this.java = java;
        this.cuda = cuda;
    }

    Twin of(String name, float[] values) {
        return new Twin(name, values);
    }

    Twin zeros(String name, long n) {
        return new Twin(name, new float[Math.toIntExact(n)]);
    }

    /** {@link #of} and {@link #zeros} under one name, for tests that build many twins. */
    Twin twin(String name, float[] values) {
        return of(name, values);
    }

    Twin twin(String name, int n) {
        return zeros(name, n);
    }

    static float[] uniform(SplittableRandom r, long n, double lo, double hi) {
        float[] a = new float[Math.toIntExact(n)];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (lo + r.nextDouble() * (hi - lo));
        }
        return a;
    }

    /** One tensor on both backends. */
    final class Twin {
        final Tensor j;
        final Tensor c;
        final int n;

        private Twin(String name, float[] values) {
            n = values.length;
            j = java.allocate(name, n);
            c = cuda.allocate(name, n);
            java.write(j, values);
            cuda.write(c, values);
        }

        float[] javaValues() {
            float[] a = new float[n];
            java.read(j, a);
            return a;
        }

        float[] cudaValues() {
            float[] a = new float[n];
            cuda.read(c, a);
            return a;
        }

        void assertAbs(String what, double tol) {
            assertClose(what, javaValues(), cudaValues(), tol, false);
        }

        void assertRel(String what, double tol) {
            assertClose(what, javaValues(), cudaValues(), tol, true);
        }
    }
}
