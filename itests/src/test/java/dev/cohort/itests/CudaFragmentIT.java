package dev.cohort.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.namespace.HostNamespace;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.log.Logger;
import org.osgi.service.log.admin.LoggerAdmin;
import org.osgi.service.log.admin.LoggerContext;

/**
 * The CUDA fragment in the runtime: attached to the trainer, with Bundle-NativeCode exactly when
 * its build had nvcc; {@code cohort:backend} says what it found; a run with {@code backend: auto}
 * takes CUDA where there is a device and otherwise falls back to Java, with the reason in the log
 * and the status; {@code backend: cuda} without a device is refused before anything starts.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class CudaFragmentIT extends CohortTestSupport {

    static final String FRAGMENT = "dev.cohort.trainer.cuda.linux.x86_64";
    static final String LIBRARY_ENTRY = "lib/linux-x86_64/libcohortcuda.so";

    private LogReaderService logReader;
    private LogListener logListener;
    private LoggerContext trainerLogs;

    @Before
    public void trainerCommandsRegistered() throws Exception {
        gogoOnceRegistered("cohort:backend");
    }

    @After
    public void cleanUp() {
        if (logReader != null && logListener != null) {
            logReader.removeLogListener(logListener);
        }
        if (trainerLogs != null) {
            trainerLogs.clear();
        }
    }

    /** Whether the build compiled libcohortcuda.so (it had nvcc). */
    static boolean libraryBuilt() {
        String file = System.getProperty("cohort.cuda.library.file");
        return file != null && !file.startsWith("${") && Files.isRegularFile(Path.of(file));
    }

    static Bundle bundle(org.osgi.framework.BundleContext context, String symbolicName) {
        return Arrays.stream(context.getBundles()).filter(b -> symbolicName.equals(b.getSymbolicName()))
                .findFirst().orElseThrow(() -> new AssertionError(symbolicName + " is not installed"));
    }

    @Test
    public void theFragmentIsAttachedToTheTrainerWithNativeCodeExactlyWhenTheLibraryWasBuilt() {
        Bundle fragment = bundle(context, FRAGMENT);
        Bundle trainer = bundle(context, "dev.cohort.trainer");
        assertEquals(Bundle.RESOLVED, fragment.getState());
        assertEquals(Bundle.ACTIVE, trainer.getState());
        List<BundleWire> hosts = fragment.adapt(BundleWiring.class).getRequiredWires(HostNamespace.HOST_NAMESPACE);
        assertEquals(1, hosts.size());
        assertEquals(trainer, hosts.get(0).getProvider().getBundle());

        String host = fragment.getHeaders("").get("Fragment-Host");
        assertTrue(host, host.matches("dev\\.cohort\\.trainer;bundle-version=\"\\[\\d+\\.\\d+,\\d+\\)\""));
        String nativeCode = fragment.getHeaders("").get("Bundle-NativeCode");
        if (libraryBuilt()) {
            assertEquals(LIBRARY_ENTRY + ";osname=Linux;processor=x86-64,*", nativeCode);
            assertNotNull(fragment.getEntry(LIBRARY_ENTRY));
        } else {
            assertNull("no library was built, so no Bundle-NativeCode", nativeCode);
            assertNull(fragment.getEntry(LIBRARY_ENTRY));
        }
    }

    @Test
    public void cohortBackendSaysWhatItFound() throws Exception {
        String out = gogo("cohort:backend");
        if (libraryBuilt()) {
            assertTrue(out, out.contains("CUDA library: loaded from "));
        } else {
            assertTrue(out, out.contains("CUDA library: not loaded: CUDA library not loaded from libcohortcuda.so"));
            assertTrue(out, out.contains("CUDA device:  unknown (no library)"));
        }
        if (out.contains("auto picks:   cuda on ")) {
            assertTrue(out, libraryBuilt());
        } else {
            assertTrue(out,
                    out.matches("(?s).*auto picks:   java, \\d+ threads, matrix products: .+ \\(CUDA not used: .+\\)"
                            + ".*"));
        }
        assertTrue(out, out.contains("no run is active"));
    }

    @Test
    public void autoFallsBackToJavaWithTheReasonWhereThereIsNoDevice() throws Exception {
        boolean gpu = gogo("cohort:backend").contains("auto picks:   cuda on ");
        List<String> log = new CopyOnWriteArrayList<>();
        // the trainer logs the choice at INFO; the Log Service's default level is WARN
        trainerLogs = context.getService(context.getServiceReference(LoggerAdmin.class))
                .getLoggerContext("dev.cohort.trainer");
        trainerLogs.setLogLevels(Map.of(Logger.ROOT_LOGGER_NAME, LogLevel.INFO));
        ServiceReference<LogReaderService> ref = context.getServiceReference(LogReaderService.class);
        logReader = context.getService(ref);
        logListener = e -> log.add(e.getMessage());
        logReader.addLogListener(logListener);

        Path dir = Files.createTempDirectory("cohort-cuda-auto");
        Path yaml = TrainingIT.config(dir, "auto.yaml", "backend: auto", 2);
        String id = gogo("cohort:train " + yaml).trim();
        String end = awaitEnd(id);
        assertTrue(end, end.contains(" finished "));
        String detail = gogo("cohort:status " + id);
        String logged = log.stream().filter(m -> m.startsWith("run " + id + ": backend: ")).findFirst()
                .orElseThrow(() -> new AssertionError("no backend line in the log: " + log));
        if (gpu) {
            assertTrue(end, end.contains("backend cuda"));
            assertTrue(logged, logged.startsWith("run " + id + ": backend: cuda on "));
            assertTrue(logged, logged.contains(", matrix products: "));
        } else {
            assertTrue(end, end.contains("backend java"));
            assertTrue(logged, logged.matches("run " + id
                    + ": backend: java, \\d+ threads, matrix products: .+ \\(CUDA not used: .+\\)"));
            String reason = logged.substring(logged.indexOf("(CUDA not used: "));
            assertTrue(detail, detail.contains("  backend: java, "));
            assertTrue(detail, detail.contains(reason));
            assertTrue(detail, detail.contains("\nbackend: java, ")); // the report's line
        }
    }

    @Test
    public void cudaWithoutADeviceIsRefusedBeforeAnythingStarts() throws Exception {
        String probe = gogo("cohort:backend");
        org.junit.Assume.assumeFalse("this machine has a CUDA device", probe.contains("auto picks:   cuda on "));
        Path dir = Files.createTempDirectory("cohort-cuda-refused");
        Path yaml = TrainingIT.config(dir, "gpu.yaml", "backend: cuda\ncuda_matmul: tf32", 2);
        String out = gogoOrError("cohort:train " + yaml);
        assertTrue(out, out.contains(yaml + ": backend: cuda cannot be used: "));
        assertFalse(gogo("cohort:runs").contains("gpu"));
    }
}
