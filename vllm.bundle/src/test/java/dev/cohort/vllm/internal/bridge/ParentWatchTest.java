package dev.cohort.vllm.internal.bridge;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.vllm.internal.rpc.WorkerProcess;
import dev.cohort.vllm.internal.testing.JavaWorkers;
import dev.cohort.vllm.internal.testing.Launcher;
import dev.cohort.vllm.internal.testing.RecordingLog;
import dev.cohort.vllm.internal.testing.TinyModel;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A launched worker never outlives what launched it: killed with -9 (no shutdown code runs), the
 * launcher's pid disappears and the worker's stdin pipe ends; either makes the worker exit.
 */
class ParentWatchTest {

    @TempDir
    static Path tmp;
    static Path model;

    @BeforeAll
    static void model() throws Exception {
        model = TinyModel.write(tmp.resolve("model"), 21);
    }

    @Test
    void aWorkerExitsWithin2sOfItsLauncherBeingKilledWithSignal9() throws Exception {
        Process launcher = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-cp", JavaWorkers.classpath(), Launcher.class.getName(), model.toString(), "orphan"))
                .redirectError(ProcessBuilder.Redirect.appendTo(tmp.resolve("launcher.log").toFile())).start();
        long worker;
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertTrue(line != null && line.startsWith("worker pid "), "launcher printed " + line);
            worker = Long.parseLong(line.substring("worker pid ".length()).trim());
            assertTrue(ProcessHandle.of(worker).map(ProcessHandle::isAlive).orElse(false), "the worker runs");
            JavaWorkers.signal(launcher.pid(), "KILL");
        } finally {
            launcher.destroyForcibly();
        }
        boolean gone = JavaWorkers.gone(worker, 2_000);
        if (!gone) {
            ProcessHandle.of(worker).ifPresent(ProcessHandle::destroyForcibly);
        }
        assertTrue(gone, "worker " + worker + " still runs 2 s after its launcher was killed");
    }

    @Test
    void aWorkerExitsWhenItsStdinEndsThoughItsLauncherLives() throws Exception {
        WorkerProcess p = WorkerProcess.launch("stdin", JavaWorkers.commandLine(model, "stdin"), null, 60_000,
                new RecordingLog());
        try {
            assertTrue(p.isAlive(), "the worker runs");
            p.process().getOutputStream().close();
            assertTrue(JavaWorkers.gone(p.pid(), 2_000), "the worker still runs 2 s after its stdin ended");
        } finally {
            p.close();
        }
    }
}
