package dev.cohort.trainer.internal.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The library this module built against the trainer's JNI surface: every native method of
 * {@link CudaNative} has its exported symbol, and the library loads here and answers
 * {@link CudaNative#abi()}. Skipped when the build had no nvcc (no library was built).
 */
class CudaLibraryFileTest {

    private static final String PREFIX = "Java_dev_cohort_trainer_internal_backend_CudaNative_";

    private static Path library;

    @BeforeEach
    void libraryWasBuilt() {
        String path = System.getProperty("cohort.cuda.test.library");
        Assumptions.assumeTrue(path != null && !path.startsWith("${"),
                "system property cohort.cuda.test.library is not set: run the test through Maven");
        library = Path.of(path);
        Assumptions.assumeTrue(Files.isRegularFile(library),
                "libcohortcuda.so was not built (no nvcc on the PATH, or -Dcohort.cuda.skip=true): " + library);
    }

    @Test
    void everyNativeMethodOfCudaNativeHasItsExportedSymbol() throws Exception {
        Set<String> needed = Arrays.stream(CudaNative.class.getDeclaredMethods())
                .filter(m -> Modifier.isNative(m.getModifiers()))
                .map(Method::getName)
                .collect(Collectors.toCollection(TreeSet::new));
        assertTrue(needed.size() > 10, "CudaNative declares its native methods: " + needed);
        assertEquals(needed.size(), Arrays.stream(CudaNative.class.getDeclaredMethods())
                .filter(m -> Modifier.isNative(m.getModifiers())).count(),
                "no overloaded native methods (their symbols would need the signature suffix)");
        Set<String> exported = definedDynamicSymbols(library);
        List<String> missing = needed.stream().filter(n -> !exported.contains(PREFIX + n)).toList();
        assertEquals(List.of(), missing, "native methods of CudaNative without a JNI symbol in " + library);
    }

    @Test
    void theLibraryLoadsAndTheProbeSaysWhatItFound() {
        String before = System.getProperty(CudaLibrary.PATH_PROPERTY);
        System.setProperty(CudaLibrary.PATH_PROPERTY, library.toAbsolutePath().toString());
        try {
            CudaLibrary.Probe probe = CudaLibrary.probe();
            assertTrue(probe.libraryLoaded(), "library not loaded: " + probe.reason());
            assertEquals(CudaNative.ABI, CudaNative.abi());
            if (probe.available()) {
                // a machine with a GPU and its driver
                assertNull(probe.reason());
                assertNotNull(probe.device());
                assertTrue(probe.describe().startsWith("CUDA device 0: "), probe.describe());
            } else {
                assertNull(probe.device());
                assertNotNull(probe.reason());
                assertTrue(probe.reason().contains("driver") || probe.reason().contains("device"),
                        "the reason names the driver or the device: " + probe.reason());
                assertFalse(probe.reason().contains("not loaded"), probe.reason());
            }
            // loading again from the same class loader is a no-op
            assertEquals(probe.libraryLoaded(), CudaLibrary.probe().libraryLoaded());
        } finally {
            if (before == null) {
                System.clearProperty(CudaLibrary.PATH_PROPERTY);
            } else {
                System.setProperty(CudaLibrary.PATH_PROPERTY, before);
            }
        }
    }

    /** The names {@code nm -D --defined-only} lists: what the dynamic linker can bind. */
    private static Set<String> definedDynamicSymbols(Path lib) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("nm", "-D", "--defined-only", lib.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "nm did not end");
        assertEquals(0, p.exitValue(), "nm -D --defined-only " + lib + ":\n" + out);
        Set<String> names = new TreeSet<>();
        for (String line : out.split("\n")) {
            String[] f = line.trim().split("\\s+");
            // "address type name"; only text (code) symbols are functions
            if (f.length == 3 && (f[1].equals("T") || f[1].equals("t"))) {
                names.add(f[2]);
            }
        }
        return names;
    }
}
