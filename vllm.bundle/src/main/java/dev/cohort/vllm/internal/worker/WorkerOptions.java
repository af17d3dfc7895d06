package dev.cohort.vllm.internal.worker;

import dev.cohort.vllm.internal.protocol.Protocol;
import java.nio.file.Path;

/** The Java worker's command line. */
record WorkerOptions(String host, int port, Path model, String id, String token, int threads, Fault fault,
        long delayMs, int maxFrame) {

    static final String USAGE = "usage: JavaWorker --port P --model DIR [--id w1] [--token T] [--threads N]"
            + " [--host 127.0.0.1] [--max-frame BYTES]\n"
            + "  --port 0 picks a free port; the first line on stdout is always 'listening on <port>'.\n"
            + "  For tests of the bridge only: --fault raise|garbage|double|answer-ff|hang|die, --delay-ms MS"
            + " (sleep before every generate).";

    static WorkerOptions parse(String[] args) {
        String host = "127.0.0.1";
        Integer port = null;
        Path model = null;
        String id = "w1";
        String token = null;
        int threads = Runtime.getRuntime().availableProcessors();
        Fault fault = Fault.NONE;
        long delayMs = 0;
        int maxFrame = Protocol.DEFAULT_MAX_FRAME;
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
                case "--token" -> token = v;
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
        return new WorkerOptions(host, port, model, id, token, threads, fault, delayMs, maxFrame);
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
