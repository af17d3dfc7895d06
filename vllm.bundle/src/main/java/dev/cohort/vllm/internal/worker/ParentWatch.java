package dev.cohort.vllm.internal.worker;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;

/**
 * Ends a launched worker with the process that launched it. The bridge launches workers with
 * {@value #PARENT_ENV} set to its own pid and a pipe on their stdin; when that pid is gone (or no
 * longer this process's parent: pids are reused) or stdin reaches its end, the worker exits within
 * {@value #POLL_MS} ms. This covers {@code kill -9} of the launcher, which runs no shutdown code.
 * A worker started by hand (no {@value #PARENT_ENV}) is not watched: its stdin may be a terminal or
 * /dev/null.
 */
final class ParentWatch {

    /** The environment variable naming the launcher's pid. */
    static final String PARENT_ENV = "COHORT_PARENT_PID";
    static final long POLL_MS = 200;

    /** What the watch does when the parent is gone; the worker passes an exit. */
    interface Exit {
        void now(String why);
    }

    private ParentWatch() {
    }

    /** Starts the watch threads when {@value #PARENT_ENV} is set; returns whether it did. */
    static boolean start(Map<String, String> env, InputStream stdin, Exit exit) {
        String raw = env.get(PARENT_ENV);
        if (raw == null || raw.isBlank()) {
            return false;
        }
        long parent;
        try {
            parent = Long.parseLong(raw.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("$" + PARENT_ENV + " must be a process id, got '" + raw + "'");
        }
        daemon("cohort-java-worker-stdin-watch", () -> {
            drain(stdin);
            exit.now("stdin reached its end: the process that launched this worker is gone");
        });
        daemon("cohort-java-worker-parent-watch", () -> {
            while (parentAlive(parent)) {
                try {
                    Thread.sleep(POLL_MS);
                } catch (InterruptedException e) {
                    return;
                }
            }
            exit.now("the process that launched this worker (pid " + parent + ") is gone");
        });
        return true;
    }

    private static void drain(InputStream in) {
        byte[] buf = new byte[256];
        try {
            while (in.read(buf) >= 0) {
                // nothing is sent on stdin; reading only detects its end
            }
        } catch (IOException e) {
            // a broken pipe is an end too
        }
    }

    static boolean parentAlive(long pid) {
        Optional<ProcessHandle> parent = ProcessHandle.current().parent();
        return parent.isPresent() && parent.get().pid() == pid && parent.get().isAlive();
    }

    private static void daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }
}
