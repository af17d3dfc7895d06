package dev.cohort.trainer.internal.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.backend.CudaBackend;
import dev.cohort.trainer.internal.backend.CudaLibrary;
import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.config.BackendChoice;
import dev.cohort.trainer.internal.config.CudaMatmul;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackendSelectionTest {

    private static final Path FILE = Path.of("/runs/gpu.yaml");
    private static final CudaLibrary.Probe NO_LIBRARY = new CudaLibrary.Probe(false, false,
            "CUDA library not loaded from libcohortcuda.so: no cohortcuda in java.library.path", null);
    private static final CudaLibrary.Probe NO_DEVICE = new CudaLibrary.Probe(false, true,
            "no usable CUDA driver: CUDA driver version is insufficient for CUDA runtime version", null);
    private static final CudaLibrary.Probe H200 = new CudaLibrary.Probe(true, true, null,
            "NVIDIA H200 (sm_90, 139.8 GiB, 132 SMs)");

    /** A CUDA that probes as given and opens a stand-in backend (or fails). */
    private static class FakeCuda implements BackendSelection.Cuda {
        final CudaLibrary.Probe probe;
        final RuntimeException openFails;
        final List<CudaBackend.Options> opened = new ArrayList<>();
        final Backend backend = new JavaBackend(1);

        FakeCuda(CudaLibrary.Probe probe, RuntimeException openFails) {
            this.probe = probe;
            this.openFails = openFails;
        }

        @Override
        public CudaLibrary.Probe probe() {
            return probe;
        }

        @Override
        public BackendSelection.Opened open(CudaBackend.Options options) {
            opened.add(options);
            if (openFails != null) {
                throw openFails;
            }
            return new BackendSelection.Opened(backend, "own kernels (tf32)");
        }
    }

    @Test
    void autoTakesCudaWhenTheDeviceIsThereWithTheConfiguredPrecision() {
        FakeCuda cuda = new FakeCuda(H200, null);
        BackendSelection.Selected s = BackendSelection.select(BackendChoice.AUTO, CudaMatmul.TF32, FILE, cuda);
        assertSame(cuda.backend, s.backend());
        assertEquals("cuda on NVIDIA H200 (sm_90, 139.8 GiB, 132 SMs), matrix products: own kernels (tf32)",
                s.description());
        assertEquals(CudaBackend.Precision.TF32, cuda.opened.get(0).precision());
        assertEquals(CudaBackend.Gemm.AUTO, cuda.opened.get(0).gemm());
    }

    @Test
    void autoFallsBackToJavaWithTheReason() {
        for (CudaLibrary.Probe p : List.of(NO_LIBRARY, NO_DEVICE)) {
            BackendSelection.Selected s = BackendSelection.select(BackendChoice.AUTO, CudaMatmul.FP32, FILE,
                    new FakeCuda(p, null));
            try (Backend b = s.backend()) {
                assertEquals("java", b.name());
            }
            assertTrue(s.description().matches("java, \\d+ threads, matrix products: .*\\(CUDA not used: .*\\)"),
                    s.description());
            assertTrue(s.description().contains(p.reason()), s.description());
        }
    }

    @Test
    void autoFallsBackToJavaWhenTheBackendDoesNotOpen() {
        FakeCuda cuda = new FakeCuda(H200, new IllegalStateException("cudaMalloc: out of memory"));
        BackendSelection.Selected s = BackendSelection.select(BackendChoice.AUTO, CudaMatmul.FP32, FILE, cuda);
        s.backend().close();
        assertEquals("java", s.backend().name());
        assertTrue(s.description().contains("CUDA not used: the CUDA backend did not open on NVIDIA H200"
                + " (sm_90, 139.8 GiB, 132 SMs): cudaMalloc: out of memory"), s.description());
    }

    @Test
    void cudaWithoutADeviceRefusesTheRunNamingTheFileTheKeyAndTheReason() {
        String message = assertThrows(IllegalArgumentException.class, () -> BackendSelection.select(
                BackendChoice.CUDA, CudaMatmul.FP32, FILE, new FakeCuda(NO_DEVICE, null))).getMessage();
        assertTrue(message.startsWith(FILE + ": backend: cuda cannot be used: " + NO_DEVICE.reason()), message);
        message = assertThrows(IllegalArgumentException.class, () -> BackendSelection.select(
                BackendChoice.CUDA, CudaMatmul.FP32, FILE, new FakeCuda(H200, new IllegalStateException("boom"))))
                .getMessage();
        assertTrue(message.contains("backend: cuda cannot be used: the CUDA backend did not open"), message);
    }

    @Test
    void cudaTakesTheDevice() {
        FakeCuda cuda = new FakeCuda(H200, null);
        assertSame(cuda.backend, BackendSelection.select(BackendChoice.CUDA, CudaMatmul.BF16, FILE, cuda).backend());
        assertEquals(CudaBackend.Precision.BF16, cuda.opened.get(0).precision());
    }

    @Test
    void javaDoesNotProbe() {
        BackendSelection.Cuda never = new FakeCuda(H200, null) {
            @Override
            public CudaLibrary.Probe probe() {
                throw new AssertionError("probed");
            }
        };
        BackendSelection.Selected s = BackendSelection.select(BackendChoice.JAVA, CudaMatmul.TF32, FILE, never);
        s.backend().close();
        assertTrue(s.description().matches("java, \\d+ threads, matrix products: .*"), s.description());
    }

    @Test
    void theRealProbeWithoutTheFragmentFallsBackToJava() {
        // no libcohortcuda on this test's library path: the library is reported as not loaded
        BackendSelection.Selected s = BackendSelection.select(BackendChoice.AUTO, CudaMatmul.FP32, FILE,
                BackendSelection.SYSTEM);
        s.backend().close();
        if (s.backend().name().equals("java")) {
            assertTrue(s.description().contains("CUDA not used: "), s.description());
            assertFalse(CudaLibrary.probe().available());
        }
    }

    @Test
    void everyMatmulKeyHasItsPrecision() {
        for (CudaMatmul m : CudaMatmul.values()) {
            assertEquals(m.name(), BackendSelection.precision(m).name());
        }
    }
}
