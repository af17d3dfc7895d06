package dev.cohort.trainer.internal.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both sides of the optional Vector API kernel. This JVM runs without {@code jdk.incubator.vector}
 * (see trainer.bundle's pom), so here {@link GemmSelect} must fall back to the plain kernel and
 * say why; a child JVM with the module runs {@link VectorGemmCheck}: the selector picks the
 * vector kernel, and it gives the scalar definition's bits over GemmTest's shapes. The child's
 * output goes to files, so its "Using incubator modules" warning never reaches the build's console.
 */
class VectorGemmForkTest {

    @Test
    void withoutTheModuleThePlainKernelIsChosen() {
        try (ComputePool pool = new ComputePool(1)) {
            assertInstanceOf(Gemm.class, GemmSelect.create(pool));
            assertEquals(Gemm.class, GemmSelect.create(pool).getClass());
        }
        assertTrue(GemmSelect.describe().contains("plain Java kernel"), GemmSelect.describe());
        assertTrue(GemmSelect.describe().contains("--add-modules jdk.incubator.vector"), GemmSelect.describe());
    }

    @Test
    void withTheModuleTheVectorKernelGivesTheSameBits(@TempDir Path dir) throws IOException, InterruptedException {
        String stdout = check(dir, List.of());
        assertTrue(stdout.startsWith("vector kernel ok: matrix products: Vector API kernel"), stdout);
    }

    /**
     * With 256-bit vectors (8 lanes: panels of 32 columns, other edges), forced with
     * {@code -Dcohort.gemm=vector} since auto would take the plain kernel there. Where the CPU has no
     * 256-bit vectors the JVM caps the size and the check runs at the CPU's own width.
     */
    @Test
    void atHalfTheVectorWidthTooWhenForced(@TempDir Path dir) throws IOException, InterruptedException {
        String stdout = check(dir, List.of("-XX:MaxVectorSize=32", "-Dcohort.gemm=vector"));
        assertTrue(stdout.startsWith("vector kernel ok: matrix products: Vector API kernel"), stdout);
    }

    /** Runs VectorGemmCheck in a JVM with the module and {@code flags}; its standard output. */
    private static String check(Path dir, List<String> flags) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        List<String> argv = new ArrayList<>(List.of(java.toString(), "--add-modules", "jdk.incubator.vector"));
        argv.addAll(flags);
        argv.addAll(List.of("-cp", System.getProperty("java.class.path"), VectorGemmCheck.class.getName()));
        Process p = new ProcessBuilder(argv).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("VectorGemmCheck did not finish in 5 minutes");
        }
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "VectorGemmCheck " + flags + " failed:\n" + stdout + stderr);
        return stdout;
    }
}
