package dev.cohort.trainer.internal.backend;

/**
 * The vector kernel's checks as a program, for a JVM started with {@code --add-modules
 * jdk.incubator.vector} ({@link VectorGemmForkTest}): {@link GemmSelect} must pick the vector
 * kernel there, and {@link VectorGemm} must give the scalar definition's bits
 * ({@link GemmTest#vectorKernelGivesTheScalarDefinitionsBits}). Prints one line and exits 0, or
 * fails with the assertion's message.
 */
public final class VectorGemmCheck {

    private VectorGemmCheck() {
    }

    public static void main(String[] args) {
        try (ComputePool pool = new ComputePool(1)) {
            GemmOps selected = GemmSelect.create(pool);
            if (!(selected instanceof VectorGemm)) {
                throw new AssertionError("with the module, GemmSelect chose " + selected.getClass().getSimpleName()
                        + ": " + GemmSelect.describe());
            }
        }
        GemmTest.vectorKernelGivesTheScalarDefinitionsBits();
        System.out.println("vector kernel ok: " + GemmSelect.describe());
    }
}
