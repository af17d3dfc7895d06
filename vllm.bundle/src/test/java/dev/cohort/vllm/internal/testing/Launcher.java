package dev.cohort.vllm.internal.testing;

import dev.cohort.vllm.internal.rpc.WorkerProcess;
import java.nio.file.Path;

/**
 * A stand-in for the Cohort runtime in a process of its own: launches one Java worker the way the
 * bridge does ({@link WorkerProcess#launch}), prints {@code worker pid N} and waits to be killed.
 * Usage: {@code Launcher MODEL_DIR ID}.
 */
public final class Launcher {

    private Launcher() {
    }

    public static void main(String[] args) throws Exception {
        WorkerProcess p = WorkerProcess.launch(args[1], JavaWorkers.commandLine(Path.of(args[0]), args[1]), null,
                60_000, new RecordingLog());
        System.out.println("worker pid " + p.pid());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
