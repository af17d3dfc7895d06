package dev.cohort.vllm.internal.worker;

import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.vllm.internal.protocol.Codec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Java inference worker: Cohort's own GPT-2 and sampler in a separate JVM, speaking the
 * inference-worker protocol (docs/worker-protocol.md) to one client connection at a time. Runs
 * outside OSGi:
 * <pre>
 * java -cp vllm.jar:trainer.jar:trainer/lib/* dev.cohort.vllm.internal.worker.JavaWorker \
 *     --port 0 --model DIR [--id w1] [--token-file F] [--threads N]
 * </pre>
 * The first line on stdout is {@code listening on <port>}; the log goes to stderr. A worker
 * launched by the bridge exits with its launcher ({@link ParentWatch}).
 */
public final class JavaWorker {

    private JavaWorker() {
    }

    public static void main(String[] args) {
        WorkerOptions options;
        try {
            options = WorkerOptions.parse(args);
        } catch (IllegalArgumentException e) {
            if (!"help".equals(e.getMessage())) {
                System.err.println("JavaWorker: " + e.getMessage());
            }
            System.err.println(WorkerOptions.USAGE);
            System.exit("help".equals(e.getMessage()) ? 0 : 2);
            return;
        }
        WorkerLog log = new WorkerLog(options.id(), System.err);
        if (ParentWatch.start(System.getenv(), System.in, why -> {
            log.warn(why + "; exiting");
            Runtime.getRuntime().halt(0);
        })) {
            log.info("watching the launching process ($" + ParentWatch.PARENT_ENV + "): exits when it is gone");
        }
        try {
            serve(options, log);
            System.exit(0);
        } catch (IOException | RuntimeException e) {
            log.warn("cannot serve: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void serve(WorkerOptions options, WorkerLog log) throws IOException {
        ModelService model = new ModelService(options.model(), options.threads(), new Codec().mapper());
        AtomicInteger inFlight = new AtomicInteger();
        ExecutorService calls = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "cohort-java-worker-calls");
            t.setDaemon(true);
            return t;
        });
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(options.host(), options.port()));
            System.out.println("listening on " + server.getLocalPort());
            System.out.flush();
            log.info("serving " + model.name() + " (" + options.threads() + " threads, " + JavaBackend.matmulKernel()
                    + (options.fault() == Fault.NONE ? "" : ", test fault " + options.fault().option()) + ")");
            while (true) {
                Socket s = server.accept();
                try {
                    if (new WorkerSession(s, options, model, calls, inFlight, log).serve()) {
                        return;
                    }
                } catch (IOException | RuntimeException e) {
                    log.warn("connection from " + s.getRemoteSocketAddress() + " failed: " + e);
                }
            }
        } finally {
            calls.shutdownNow();
        }
    }
}
