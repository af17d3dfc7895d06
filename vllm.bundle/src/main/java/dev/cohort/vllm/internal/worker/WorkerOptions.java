package dev.cohort.vllm.internal.worker;

import dev.cohort.vllm.internal.protocol.Protocol;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import java.util.Set;

/**
 * The Java worker's command line and environment. The token never comes from the command line
 * (where {@code ps} shows it): from {@value #TOKEN_ENV}, or {@code --token-file} naming a file only
 * its owner may read. The default frame limit fits the heap (see {@link #defaultMaxFrame()}).
 */
record WorkerOptions(String host, int port, Path model, String id, String token, int threads, Fault fault,
        long delayMs, int maxFrame) {

    /** The environment variable holding the token a client's hello must carry. */
    static final String TOKEN_ENV = "COHORT_WORKER_TOKEN";

    static final String USAGE = "usage: JavaWorker --port P --model DIR [--id w1] [--token-file FILE] [--threads N]"
            + " [--host 127.0.0.1] [--max-frame BYTES]\n"
            + "  The token comes from $" + TOKEN_ENV + " or --token-file (a file only its owner can read).\n"
            + "  --port 0 picks a free port; the first line on stdout is always 'listening on <port>'.\n"
            + "  For tests of the bridge only: --fault raise|garbage|double|answer-ff|hang|die|bad-ids, --delay-ms MS"
            + " (sleep before every generate).";

    static WorkerOptions parse(String[] args) {
        return parse(args, System.getenv());
    }

    static WorkerOptions parse(String[] args, Map<String, String> env) {
        String host = "127.0.0.1";
        Integer port = null;
        Path model = null;
        String id = "w1";
        String token = env.get(TOKEN_ENV);
        int threads = Runtime.getRuntime().availableProcessors();
        Fault fault = Fault.NONE;
        long delayMs = 0;
        int maxFrame = defaultMaxFrame();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                throw new IllegalArgumentException("help");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "--host" -> host = v;
                case "--port" -> port = number(a, v, 0, 65535);
                case "--model" -> model = Path.of(v);
                case "--id" -> id = v;
                case "--token" -> throw new IllegalArgumentException("--token is not accepted: the command line is"
                        + " visible to every user (ps); set $" + TOKEN_ENV + " or use --token-file FILE");
                case "--token-file" -> token = readToken(Path.of(v));
                case "--threads" -> threads = number(a, v, 1, 4096);
                case "--fault" -> fault = Fault.parse(v);
                case "--delay-ms" -> delayMs = number(a, v, 0, Integer.MAX_VALUE);
                case "--max-frame" -> maxFrame = number(a, v, 64, Integer.MAX_VALUE);
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (port == null || model == null) {
            throw new IllegalArgumentException("--port and --model are required");
        }
        return new WorkerOptions(host, port, model, id, token == null || token.isEmpty() ? null : token, threads,
                fault, delayMs, maxFrame);
    }

    /**
     * 64 MiB, or a sixteenth of the heap when that is less: a frame is held as bytes, then as a
     * string and a JSON tree, several times its size in all, so this keeps one frame well inside
     * the heap (16 MiB at -Xmx256m).
     */
    static int defaultMaxFrame() {
        long fit = Runtime.getRuntime().maxMemory() / 16;
        return (int) Math.max(1 << 20, Math.min(Protocol.DEFAULT_MAX_FRAME, fit));
    }

    /** The token in {@code file} (one line), which must not be readable by group or others. */
    static String readToken(Path file) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            for (PosixFilePermission p : perms) {
                if (p.name().startsWith("GROUP_") || p.name().startsWith("OTHERS_")) {
                    throw new IllegalArgumentException("--token-file " + file + " is accessible to others ("
                            + java.nio.file.attribute.PosixFilePermissions.toString(perms) + "); chmod 600 it");
                }
            }
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalArgumentException("--token-file " + file + ": cannot read it: " + e);
        }
    }

    private static int number(String option, String v, int min, int max) {
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new IllegalArgumentException(option + " must be in [" + min + ", " + max + "], got " + v);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " must be an integer, got '" + v + "'");
        }
    }
}
