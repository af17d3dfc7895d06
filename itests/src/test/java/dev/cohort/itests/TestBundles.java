package dev.cohort.itests;

import dev.cohort.itests.bundles.TestListenerActivator;
import dev.cohort.itests.bundles.TestRewardActivator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/** Builds the small bundles the integration tests install, update and uninstall. */
public final class TestBundles {

    private TestBundles() {
    }

    /** A listener bundle whose behaviour is set by its manifest (see TestListenerActivator). */
    public static byte[] listener(String symbolicName, String version, String listenerName,
            String behaviour, Map<String, String> extraHeaders) {
        return bundle(TestListenerActivator.class, "dev.cohort.api.rollout;version=\"[1.0,2)\",dev.cohort.api.training",
                symbolicName, version, listenerName, behaviour, extraHeaders);
    }

    /** A reward function bundle whose behaviour is set by its manifest (see TestRewardActivator). */
    public static byte[] reward(String symbolicName, String version, String functionName, String behaviour) {
        return reward(symbolicName, version, functionName, behaviour, Map.of());
    }

    /** As {@link #reward(String, String, String, String)}, with extra manifest headers. */
    public static byte[] reward(String symbolicName, String version, String functionName, String behaviour,
            Map<String, String> extraHeaders) {
        return bundle(TestRewardActivator.class, "dev.cohort.api.reward", symbolicName, version,
                functionName, behaviour, extraHeaders);
    }

    private static byte[] bundle(Class<?> activator, String apiPackage, String symbolicName,
            String version, String name, String behaviour, Map<String, String> extraHeaders) {
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", symbolicName);
        a.putValue("Bundle-Version", version);
        a.putValue("Bundle-Name", "Cohort test " + activator.getSimpleName().replace("Activator", "")
                .replace("Test", "").toLowerCase(java.util.Locale.ROOT) + " " + name);
        a.putValue("Bundle-Activator", activator.getName());
        a.putValue("Import-Package", apiPackage + ";version=\"[1.0,2)\","
                + "org.osgi.framework;version=\"[1.8,2)\"");
        a.putValue("Cohort-Test-Name", name);
        a.putValue("Cohort-Test-Behaviour", behaviour);
        extraHeaders.forEach(a::putValue);
        String entry = activator.getName().replace('.', '/') + ".class";
        try (InputStream in = TestBundles.class.getClassLoader().getResourceAsStream(entry)) {
            if (in == null) {
                throw new IllegalStateException(entry + " not found");
            }
            return jar(mf, Map.of(entry, in.readAllBytes()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A copy of an existing bundle jar with a different Bundle-Version: an alternate build. */
    public static byte[] withVersion(Path bundleJar, String version) {
        try (JarFile jar = new JarFile(bundleJar.toFile())) {
            Manifest mf = new Manifest(jar.getManifest());
            mf.getMainAttributes().putValue("Bundle-Version", version);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (JarOutputStream out = new JarOutputStream(bytes, mf)) {
                for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements();) {
                    JarEntry entry = e.nextElement();
                    if (entry.getName().equals(JarFile.MANIFEST_NAME) || entry.getName().equals("META-INF/")) {
                        continue;
                    }
                    out.putNextEntry(new JarEntry(entry.getName()));
                    try (InputStream in = jar.getInputStream(entry)) {
                        in.transferTo(out);
                    }
                    out.closeEntry();
                }
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path write(byte[] jar, Path file) {
        try {
            Files.createDirectories(file.getParent());
            return Files.write(file, jar);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] jar(Manifest mf, Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream out = new JarOutputStream(bytes, mf)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                out.putNextEntry(new JarEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        return bytes.toByteArray();
    }
}
