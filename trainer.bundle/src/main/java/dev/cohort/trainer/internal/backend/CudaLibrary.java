package dev.cohort.trainer.internal.backend;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;

/**
 * Finds and loads {@code libcohortcuda}, which the CUDA fragment attaches to this bundle through
 * its {@code Bundle-NativeCode}, and asks the driver for a device.
 * <p>
 * The JVM binds a native library file to one class loader. After the trainer bundle is updated
 * and refreshed, the framework hands the new revision's class loader the same extracted file
 * while the old class loader may still hold it (until it is garbage collected): then
 * {@link System#loadLibrary} fails with "already loaded in another classloader", and this class
 * loads a private copy of the fragment's library instead (in the bundle's data area). The same
 * happens with several frameworks in one JVM (integration tests). What this class loader loaded
 * is remembered in a static field, which belongs to this revision's class.
 * <p>
 * Outside OSGi (tests, the GPU scripts) the system property {@value #PATH_PROPERTY} names the
 * library file.
 */
public final class CudaLibrary {

    /** The library's name for {@link System#loadLibrary}. */
    public static final String LIBRARY = "cohortcuda";

    /** System property: absolute path of libcohortcuda.so, used instead of the bundle's native code. */
    public static final String PATH_PROPERTY = "cohort.cuda.library";

    /** Where the Linux x86-64 fragment keeps the library (its Bundle-NativeCode entry). */
    static final String LINUX_X86_64_ENTRY = "lib/linux-x86_64/libcohortcuda.so";

    private static final String HELD_ELSEWHERE = "already loaded in another classloader";

    /** What this class loader loaded: null before the first successful load. */
    private static String loadedFrom;

    private CudaLibrary() {
    }

    /**
     * Where this class loader's copy of the library came from, for {@code cohort:backend}:
     * "the trainer's native code", the {@value #PATH_PROPERTY} file, or a private copy; null when
     * it is not loaded.
     */
    public static synchronized String loadedFrom() {
        return loadedFrom;
    }

    /**
     * What a CUDA backend would find: {@code available} with the device's description, or not,
     * with the reason (fragment absent, library not loadable, no driver, no device).
     */
    public record Probe(boolean available, boolean libraryLoaded, String reason, String device) {

        /** One line for logs and {@code cohort:backend}. */
        public String describe() {
            return available ? "CUDA device 0: " + device : reason;
        }
    }

    /** Loads the library if needed and looks for device 0. Never throws. */
    public static Probe probe() {
        String loadError = load();
        if (loadError != null) {
            return new Probe(false, false, loadError, null);
        }
        int count;
        try {
            count = CudaNative.deviceCount();
        } catch (IllegalStateException | UnsatisfiedLinkError e) {
            return new Probe(false, true, "no usable CUDA driver: " + e.getMessage(), null);
        }
        if (count < 1) {
            return new Probe(false, true, "the CUDA driver reports no device", null);
        }
        try {
            return new Probe(true, true, null, describe(CudaNative.deviceInfo(0)));
        } catch (IllegalStateException e) {
            return new Probe(false, true, "CUDA device 0 cannot be queried: " + e.getMessage(), null);
        }
    }

    /** Null when the library is loaded and speaks this ABI, else why not. */
    static synchronized String load() {
        if (loadedFrom == null) {
            String path = System.getProperty(PATH_PROPERTY);
            boolean explicit = path != null && !path.isBlank();
            String where = explicit ? path + " (" + PATH_PROPERTY + ")"
                    : "lib" + LIBRARY + ".so: the CUDA fragment dev.cohort.trainer.cuda.linux.x86_64 is not attached"
                            + " or has no library for this platform";
            try {
                if (explicit) {
                    System.load(path);
                    loadedFrom = path;
                } else {
                    System.loadLibrary(LIBRARY);
                    loadedFrom = "the trainer's native code (CUDA fragment)";
                }
            } catch (UnsatisfiedLinkError e) {
                if (e.getMessage() == null || !e.getMessage().contains(HELD_ELSEWHERE)) {
                    return "CUDA library not loaded from " + where + ": " + e.getMessage();
                }
                // an earlier class loader of this bundle (before an update and refresh) holds it
                try {
                    loadedFrom = loadPrivateCopy(explicit ? path : null);
                } catch (IOException | UnsatisfiedLinkError | SecurityException copy) {
                    return "CUDA library not loaded from " + where + ": " + e.getMessage()
                            + "; a private copy did not load either: " + copy;
                }
            } catch (SecurityException e) {
                return "CUDA library not loaded from " + where + ": " + e;
            }
        }
        try {
            int abi = CudaNative.abi();
            if (abi != CudaNative.ABI) {
                return "CUDA library speaks ABI " + abi + ", this trainer needs " + CudaNative.ABI
                        + ": the fragment does not match the trainer bundle";
            }
        } catch (UnsatisfiedLinkError e) {
            return "CUDA library is loaded but lacks its entry points: " + e.getMessage();
        }
        return null;
    }

    /**
     * Copies the library ({@code file}, or the fragment's entry seen through this class loader)
     * to a new file and loads that one; the copy is deleted once loaded (the mapping stays).
     * Returns a description of what was loaded.
     */
    private static String loadPrivateCopy(String file) throws IOException {
        Path copy = Files.createTempFile(copyDirectory(), "lib" + LIBRARY + "-", ".so");
        try {
            if (file != null) {
                Files.copy(Path.of(file), copy, StandardCopyOption.REPLACE_EXISTING);
            } else {
                ClassLoader loader = CudaLibrary.class.getClassLoader();
                URL entry = loader == null ? null : loader.getResource(LINUX_X86_64_ENTRY);
                if (entry == null) {
                    throw new IOException(LINUX_X86_64_ENTRY + " is not visible to the trainer's class loader");
                }
                try (InputStream in = entry.openStream()) {
                    Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            System.load(copy.toAbsolutePath().toString());
            return "a private copy, " + copy + " (an earlier class loader of the trainer holds the fragment's)";
        } finally {
            Files.deleteIfExists(copy);
        }
    }

    /** The bundle's data area in OSGi (not a noexec /tmp), else the temporary directory. */
    private static Path copyDirectory() throws IOException {
        try {
            Bundle bundle = FrameworkUtil.getBundle(CudaLibrary.class);
            BundleContext context = bundle == null ? null : bundle.getBundleContext();
            java.io.File data = context == null ? null : context.getDataFile("cuda");
            if (data != null) {
                return Files.createDirectories(data.toPath());
            }
        } catch (LinkageError e) {
            // outside OSGi without the framework API on the class path
        }
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    /** "name|cc|bytes|sms" to "NVIDIA H200 (sm_90, 139.8 GiB, 132 SMs)". */
    private static String describe(String info) {
        String[] f = info.split("\\|");
        if (f.length < 4) {
            return info;
        }
        double gib = Long.parseLong(f[2]) / (double) (1L << 30);
        return String.format(java.util.Locale.ROOT, "%s (sm_%s, %.1f GiB, %s SMs)", f[0], f[1].replace(".", ""), gib,
                f[3]);
    }
}
