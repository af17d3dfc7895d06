package dev.cohort.trainer.internal.backend;

import java.lang.reflect.Constructor;

/**
 * Chooses the matrix-product kernel once per class loader: {@link VectorGemm} (the Vector API's
 * register-blocked kernel) when the JVM was started with {@code --add-modules
 * jdk.incubator.vector} (inside OSGi: and the framework exports the package), else the plain
 * {@link Gemm}. Results are the same bits either way; the vector kernel is about 1.5-2x faster.
 * <p>
 * {@code -Dcohort.gemm=plain} forces the plain kernel (to compare the two in one session);
 * {@code vector} makes a missing module an error instead of a fallback, and takes the vector
 * kernel also with fewer than {@link #MIN_LANES} lanes. The choice is reported by
 * {@link #describe()}, which the run's backend line carries into the log.
 * <p>
 * The vector classes are reached by reflection only, so that the rest of the backend links
 * without the incubator module.
 */
final class GemmSelect {

    /** The system property that overrides the choice: auto (default), plain or vector. */
    static final String PROPERTY = "cohort.gemm";
    /**
     * Fewest float lanes for which auto picks the vector kernel: its 6 x 4-vector block needs the
     * 32 vector registers that come with 512-bit vectors (AVX-512). With 256-bit vectors (AVX2:
     * 16 registers) it spills, and measured 1.0-1.6x the plain kernel's time here.
     */
    static final int MIN_LANES = 16;

    private static final Choice CHOICE = choose(System.getProperty(PROPERTY, "auto"));

    private GemmSelect() {
    }

    /** The selected kernel over {@code pool}. */
    static GemmOps create(ComputePool pool) {
        if (CHOICE.vector == null) {
            return new Gemm(pool);
        }
        try {
            return CHOICE.vector.newInstance(pool);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the vector matmul kernel did not start: " + e, e);
        }
    }

    /** One line: which kernel computes the products, and why. */
    static String describe() {
        return CHOICE.description;
    }

    /** The vector kernel's constructor, or null, and the line for {@link #describe()}. */
    private record Choice(Constructor<? extends GemmOps> vector, String description) {
    }

    private static Choice choose(String setting) {
        if (!setting.equals("auto") && !setting.equals("plain") && !setting.equals("vector")) {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + setting + ": expected auto, plain or vector");
        }
        if (setting.equals("plain")) {
            return new Choice(null, "matrix products: plain Java kernel (-D" + PROPERTY + "=plain)");
        }
        try {
            Class<?> kernel = Class.forName(GemmSelect.class.getPackageName() + ".VectorKernel", true,
                    GemmSelect.class.getClassLoader());
            int lanes = kernel.getDeclaredField("L").getInt(null);
            Class<? extends GemmOps> gemm = Class.forName(GemmSelect.class.getPackageName() + ".VectorGemm", true,
                    GemmSelect.class.getClassLoader()).asSubclass(GemmOps.class);
            Constructor<? extends GemmOps> ctor = gemm.getDeclaredConstructor(ComputePool.class);
            if (lanes < MIN_LANES && setting.equals("auto")) {
                return new Choice(null, "matrix products: plain Java kernel (the Vector API kernel needs "
                        + MIN_LANES + " float lanes, this CPU's vectors have " + lanes + ")");
            }
            return new Choice(ctor, "matrix products: Vector API kernel, " + lanes + " float lanes");
        } catch (ReflectiveOperationException | LinkageError e) {
            if (setting.equals("vector")) {
                throw new IllegalStateException("-D" + PROPERTY + "=vector: the Vector API is not available (start"
                        + " the JVM with --add-modules jdk.incubator.vector): " + e, e);
            }
            return new Choice(null, "matrix products: plain Java kernel (the Vector API kernel needs"
                    + " --add-modules jdk.incubator.vector)");
        }
    }
}
