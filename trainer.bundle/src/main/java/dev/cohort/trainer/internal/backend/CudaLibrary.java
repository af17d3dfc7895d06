package dev.cohort.trainer.internal.backend;

/**
 * Finds and loads {@code libcohortcuda}, which the CUDA fragment attaches to this bundle through
 * its {@code Bundle-NativeCode}, and asks the driver for a device. Nothing is cached here: the
 * JVM keeps the library loaded for this bundle's class loader, and a second load by the same
 * loader is a no-op, so after an update and refresh the new class loader loads its own copy.
 * <p>
 * Outside OSGi (tests, the GPU scripts) the system property {@value #PATH_PROPERTY} names the
 * library file.
 */
public final class CudaLibrary {

    /** The library's name for {@link System#loadLibrary}. */
    public static final String LIBRARY = "cohortcuda";

    /** System property: absolute path of libcohortcuda.so, used instead of the bundle's native code. */
    public static final String PATH_PROPERTY = "cohort.cuda.library";

    private CudaLibrary() {
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
    static String load() {
        String path = System.getProperty(PATH_PROPERTY);
        try {
            if (path != null && !path.isBlank()) {
                System.load(path);
            } else {
                System.loadLibrary(LIBRARY);
            }
        } catch (UnsatisfiedLinkError | SecurityException e) {
            String where = path != null && !path.isBlank() ? path + " (" + PATH_PROPERTY + ")"
                    : "lib" + LIBRARY + ".so: the CUDA fragment dev.cohort.trainer.cuda.linux.x86_64 is not attached"
                            + " or has no library for this platform";
            return "CUDA library not loaded from " + where + ": " + e.getMessage();
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
