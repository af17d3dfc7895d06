package dev.cohort.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Two runtimes started from one folder: each has a framework cache of its own (never the shared
 * target/felix-cache that one would clean under the other), both take a deployed plugin, one
 * keeps working after the other ends, and each cache is deleted when its runtime exits.
 */
class TwoRuntimesIT {

    private static List<Path> caches(Path tmp) throws Exception {
        try (var files = Files.list(tmp)) {
            return files.filter(f -> f.getFileName().toString().matches("osgi\\..*\\.fw")).toList();
        }
    }

    @Test
    void twoRuntimesFromOneFolderEachHaveTheirOwnCache() throws Exception {
        Path work = Files.createTempDirectory("cohort-two");
        Files.createDirectories(work.resolve("deploy"));
        Path tmp = Files.createDirectories(work.resolve("tmp"));
        try (RuntimeProcess a = RuntimeProcess.start(work, "-Djava.io.tmpdir=" + tmp);
                RuntimeProcess b = RuntimeProcess.start(work, "-Djava.io.tmpdir=" + tmp)) {
            a.awaitOutput(o -> o.contains("g! "), "runtime A's prompt", 60);
            b.awaitOutput(o -> o.contains("g! "), "runtime B's prompt", 60);
            TestBundles.write(TestBundles.listener("cohort.itest.shared", "1.0.0", "shared-rec", "record", Map.of()),
                    work.resolve("deploy/shared-rec.jar"));
            a.poll("cohort:listeners", o -> o.contains("shared-rec"), "the plugin in runtime A");
            b.poll("cohort:listeners", o -> o.contains("shared-rec"), "the plugin in runtime B");
            assertEquals(2, caches(tmp).size(), "one framework cache per runtime: " + caches(tmp));
            assertFalse(Files.exists(work.resolve("target/felix-cache")), "no cache shared in the folder");

            a.closeInput();
            assertEquals(117, a.waitFor(60), a.output());
            b.poll("cohort:listeners", o -> o.matches("(?s).*shared-rec\\s+\\d+\\s+1\\.0\\.0\\s+active.*"),
                    "runtime B still working after A ended");
            b.closeInput();
            assertEquals(117, b.waitFor(60), b.output());
            assertEquals(List.of(), caches(tmp), "each cache is deleted when its runtime exits");
            assertFalse(a.output().contains("ERROR"), a.output());
            assertFalse(b.output().contains("ERROR"), b.output());
        }
    }
}
