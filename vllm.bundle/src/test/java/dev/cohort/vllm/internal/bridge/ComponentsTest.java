package dev.cohort.vllm.internal.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.api.engine.GenerationRequest;
import dev.cohort.vllm.internal.rpc.WorkerState;
import dev.cohort.vllm.internal.testing.Batches;
import dev.cohort.vllm.internal.testing.JavaWorkers;
import dev.cohort.vllm.internal.testing.TinyModel;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.log.Logger;

/**
 * The DS components as DS would drive them (constructor, bind, deactivate), without a framework:
 * configuration annotations and the Logger are proxies.
 */
class ComponentsTest {

    @TempDir
    Path tmp;

    /** A Config annotation instance with the given values and the annotation's defaults elsewhere. */
    @SuppressWarnings("unchecked")
    static <A extends Annotation> A config(Class<A> type, Map<String, Object> values) {
        return (A) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, m, args) -> {
            if (values.containsKey(m.getName())) {
                return values.get(m.getName());
            }
            if (m.getDefaultValue() != null) {
                return m.getDefaultValue();
            }
            if (m.getName().equals("annotationType")) {
                return type;
            }
            throw new UnsupportedOperationException(m.getName());
        });
    }

    static Logger logger(List<String> lines) {
        return (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
                (p, m, args) -> {
                    if (args != null && args.length > 0 && args[0] instanceof String s) {
                        lines.add(m.getName() + " " + s);
                    }
                    return defaultFor(m);
                });
    }

    private static Object defaultFor(Method m) {
        Class<?> r = m.getReturnType();
        return r == boolean.class ? Boolean.FALSE : r == String.class ? "test" : null;
    }

    @Test
    void aLaunchedWorkerComponentServesTheEngineAndDeactivationStopsItsProcess() throws Exception {
        Path model = TinyModel.write(tmp.resolve("model"), 5);
        List<String> lines = new CopyOnWriteArrayList<>();
        WorkerComponent worker = new WorkerComponent(config(WorkerComponent.Config.class,
                Map.of("command", JavaWorkers.commandLine(model, "x"), "call__timeout__ms", 20_000L)),
                Map.of("service.pid", WorkerComponent.FACTORY_PID + "~gpu0"), logger(lines));
        VllmEngine engine = new VllmEngine(config(VllmEngine.Config.class, Map.of("worker__wait__ms", 30_000L)),
                logger(lines));
        WorkerCommands commands = new WorkerCommands(engine);
        try {
            engine.addWorker(worker);
            assertEquals("gpu0", worker.handle().id(), "the id comes from the configuration's name");
            GenerationRequest r = Batches.request(4, 2, 8, 3, 0);
            Batches.assertSameSamples(Batches.embedded(model, r), engine.generate(r));
            assertTrue(commands.workers().contains("gpu0") && commands.workers().contains("healthy"), commands.workers());
            assertEquals("reset_prefix_cache sent to 1 of 1 workers (fire and forget: a worker reports a failed reset"
                    + " as a warning event)", commands._main("reset-prefix-cache"));
        } finally {
            Process p = worker.handle().process().process();
            engine.removeWorker(worker);
            worker.deactivate();
            engine.deactivate();
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "the launched worker is stopped");
            assertEquals(0, p.exitValue(), "by a polite shutdown");
        }
        assertFalse(lines.stream().anyMatch(l -> l.startsWith("warn")), lines.toString());
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith("cohort-worker-gpu0")
                && t.isAlive() && !t.getName().endsWith("-stdout") && !t.getName().endsWith("-stderr")),
                "no reader or supervisor thread is left");
    }

    /**
     * Every PID of the bridge changes while batches run: the engine's (retries, wait), one
     * worker's time limits (taken live, same connection) and another's command (a new process).
     * The components stay the same instances (as DS keeps them with a modified method), and no
     * batch fails.
     */
    @Test
    void configurationChangesMidRunAreTakenLiveAndNoBatchFails() throws Exception {
        Path model = TinyModel.write(tmp.resolve("model"), 6);
        List<String> lines = new CopyOnWriteArrayList<>();
        Map<String, Object> pa = Map.of("service.pid", WorkerComponent.FACTORY_PID + "~a");
        Map<String, Object> pb = Map.of("service.pid", WorkerComponent.FACTORY_PID + "~b");
        WorkerComponent a = new WorkerComponent(config(WorkerComponent.Config.class,
                Map.of("command", JavaWorkers.commandLine(model, "a"))), pa, logger(lines));
        WorkerComponent b = new WorkerComponent(config(WorkerComponent.Config.class,
                Map.of("command", JavaWorkers.commandLine(model, "b"))), pb, logger(lines));
        VllmEngine engine = new VllmEngine(config(VllmEngine.Config.class, Map.of()), logger(lines));
        engine.addWorker(a);
        engine.addWorker(b);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger batches = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CompletableFuture<Void> run = java.util.concurrent.CompletableFuture.runAsync(() -> {
            for (int i = 0; !stop.get() || i < 3; i++) {
                GenerationRequest r = Batches.request(4, 2, 6, 100 + i, 0);
                if (engine.generate(r).completions().size() != 8) {
                    throw new AssertionError("batch " + i);
                }
                batches.incrementAndGet();
            }
        });
        try {
            while (batches.get() < 2 && !run.isDone()) {
                Thread.sleep(20);
            }
            long pidB = b.handle().process().pid();
            int connectionsA = a.handle().connections();
            engine.modified(config(VllmEngine.Config.class, Map.of("max__retries", 3, "worker__wait__ms", 45_000L)));
            a.modified(config(WorkerComponent.Config.class, Map.of("command", JavaWorkers.commandLine(model, "a"),
                    "call__timeout__ms", 90_000L, "liveness__timeout__ms", 4_000L)), pa);
            b.modified(config(WorkerComponent.Config.class, Map.of("command", JavaWorkers.commandLine(model, "b2"))), pb);
            long end = System.currentTimeMillis() + 30_000;
            while ((b.handle().process() == null || b.handle().process().pid() == pidB
                    || b.handle().state() != WorkerState.HEALTHY) && System.currentTimeMillis() < end && !run.isDone()) {
                Thread.sleep(20);
            }
            int before = batches.get();
            while (batches.get() < before + 2 && !run.isDone()) {
                Thread.sleep(20);
            }
            stop.set(true);
            run.get(60, TimeUnit.SECONDS); // rethrows a failed batch
            assertTrue(b.handle().process().pid() != pidB, "b runs its new command");
            assertEquals("b2", b.handle().helloId(), "the new process answers");
            assertEquals(connectionsA, a.handle().connections(), "a kept its connection");
            assertEquals(90_000L, a.handle().settings().callTimeoutMs());
            assertEquals(4_000L, a.handle().settings().livenessTimeoutMs());
        } finally {
            stop.set(true);
            engine.removeWorker(a);
            engine.removeWorker(b);
            a.deactivate();
            b.deactivate();
            engine.deactivate();
        }
    }
}
