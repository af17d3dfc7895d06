package dev.cohort.trainer.internal.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run never takes the directory or trace of another; unwritable places are named before step 0. */
class RunDirectoriesTest {

    @TempDir
    Path dir;

    @Test
    void aTakenRunNameGetsTheNextFreeSuffix() throws Exception {
        Path out = dir.resolve("runs");
        Path traces = dir.resolve("traces");
        RunDirectories first = new RunDirectories();
        RunDirectories.Allocated a = first.allocate(out, "exp", false, traces);
        assertEquals("exp", a.id());
        assertEquals(out.resolve("exp"), a.dir());
        assertNull(a.note());
        // another runtime (a new RunDirectories) sees the folder
        RunDirectories.Allocated b = new RunDirectories().allocate(out, "exp", false, traces);
        assertEquals("exp-2", b.id());
        assertEquals(out.resolve("exp-2"), b.dir());
        assertEquals("run_name 'exp' is taken (" + out.resolve("exp") + " or its trace exists); this run is 'exp-2' in "
                + out.resolve("exp-2"), b.note());
        assertTrue(Files.isDirectory(b.dir()));
        // a trace file alone takes the name too
        Files.createDirectories(traces);
        Files.writeString(traces.resolve("exp-3.jsonl"), "{}\n");
        assertEquals("exp-4", first.allocate(out, "exp", false, traces).id());
    }

    @Test
    void aResumedRunKeepsItsIdAndDirectory() throws Exception {
        Path out = dir.resolve("runs");
        RunDirectories d = new RunDirectories();
        d.allocate(out, "exp", false, null);
        RunDirectories.Allocated r = d.allocate(out, "exp", true, null);
        assertEquals("exp", r.id());
        assertEquals(out.resolve("exp"), r.dir());
        assertNull(r.note());
    }

    @Test
    void anUnwritableDirectoryIsNamedWithItsSetting() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RunDirectories.checkWritable(file.resolve("runs"), "run.yaml: output_dir"));
        assertTrue(e.getMessage().startsWith("run.yaml: output_dir: " + file.resolve("runs") + " is not writable ("),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("); nothing was trained"), e.getMessage());
        RunDirectories.checkWritable(dir.resolve("new/runs"), "output_dir");
        assertTrue(Files.isDirectory(dir.resolve("new/runs")));
        try (var files = Files.list(dir.resolve("new/runs"))) {
            assertEquals(0, files.count(), "the probe file is gone");
        }
    }
}
