package dev.cohort.itests;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import dev.cohort.api.rollout.RolloutBatch;
import dev.cohort.api.rollout.RolloutListener;
import dev.cohort.api.rollout.RolloutPublisher;
import dev.cohort.itests.bundles.TestListenerActivator;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.options.UrlProvisionOption;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;

/** The runtime of run.bndrun, minus the interactive shell, for Pax Exam tests. */
public abstract class CohortTestSupport {

    @Inject
    protected BundleContext context;

    @Inject
    protected RolloutPublisher publisher;

    @Inject
    protected CommandProcessor commands;

    @Inject
    protected ConfigurationAdmin configAdmin;

    private final List<ServiceRegistration<?>> sinks = new ArrayList<>();

    @Configuration
    public Option[] config() {
        removeEarlierTraces();
        return options(
                systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"),
                // the shell bundle brings Gogo's converters (bundle ids to bundles) but must not
                // read the test JVM's standard input
                systemProperty("gosh.args").value("--nointeractive"),
                provision("component"), provision("promise"), provision("function"),
                provision("scr"), provision("configadmin"), provision("log"), provision("metatype"),
                provision("gogo.runtime"), provision("gogo.command"),
                provision("gogo.shell"),
                provision("jackson.annotations"), provision("jackson.core"),
                provision("jackson.databind"), provision("snakeyaml"), provision("jackson.yaml"),
                provision("core"), provision("trace-jsonl"), provision("trainer"), provision("rewards"),
                provision("vllm"),
                // the CUDA fragment, as in run.bndrun: a fragment is resolved, never started
                provision("cuda").noStart(),
                junitBundles());
    }

    /**
     * Deletes the trace files that earlier builds' runs left in the working directory's traces/
     * (trace-jsonl's default directory): a run never takes a name whose trace exists, so a test
     * expecting its run_name as the run id would get {@code <name>-2}.
     */
    private static void removeEarlierTraces() {
        java.nio.file.Path traces = java.nio.file.Path.of("traces");
        if (!java.nio.file.Files.isDirectory(traces)) {
            return;
        }
        try (var files = java.nio.file.Files.list(traces)) {
            for (java.nio.file.Path f : files.filter(p -> p.toString().endsWith(".jsonl")).toList()) {
                java.nio.file.Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot clean " + traces.toAbsolutePath(), e);
        }
    }

    protected static UrlProvisionOption provision(String key) {
        return bundle("file:" + bundlePath(key));
    }

    protected static String bundlePath(String key) {
        String path = System.getProperty("cohort.bundle." + key);
        if (path == null || path.startsWith("${")) {
            throw new IllegalStateException("system property cohort.bundle." + key
                    + " is not set: run the integration tests through Maven (mvn verify)");
        }
        return path;
    }

    protected static RolloutBatch batch(String run, long step) {
        return batch(run, step, 2, 2);
    }

    protected static RolloutBatch batch(String run, long step, int prompts, int groupSize) {
        int n = prompts * groupSize;
        List<String> p = new ArrayList<>();
        List<String> c = new ArrayList<>();
        double[] acc = new double[n];
        double[] adv = new double[n];
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) {
            p.add("What is " + (i / groupSize) + " + " + step + "?");
            c.add("The answer is " + (i / groupSize + step + i % 2) + ".");
            acc[i] = i % 2 == 0 ? 1 : 0;
            adv[i] = i % 2 == 0 ? 0.7071 : -0.7071;
            tokens[i] = 6;
        }
        return RolloutBatch.builder().runId(run).step(step).groupSize(groupSize).prompts(p)
                .completions(c).reward("accuracy", acc).advantages(adv).completionTokens(tokens)
                .truncated(new boolean[n]).build();
    }

    /** What test listener bundles with a given name received, as (instance label, step). */
    protected static final class Received implements BiConsumer<String, Object> {
        public final List<String> labels = new CopyOnWriteArrayList<>();
        public final List<Long> steps = new CopyOnWriteArrayList<>();

        @Override
        public synchronized void accept(String label, Object batch) {
            labels.add(label);
            steps.add(((RolloutBatch) batch).step());
        }
    }

    protected Received sink(String listenerName) {
        Received r = new Received();
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(TestListenerActivator.SINK, listenerName);
        sinks.add(context.registerService(BiConsumer.class, r, props));
        return r;
    }

    /** Installs and starts a test listener bundle (see TestListenerActivator). */
    protected Bundle installListener(String name, String behaviour, Map<String, String> headers)
            throws Exception {
        Bundle b = context.installBundle("test:" + name, new ByteArrayInputStream(
                TestBundles.listener("cohort.itest." + name, "1.0.0", name, behaviour, headers)));
        b.start();
        return b;
    }

    protected void unregisterSinks() {
        sinks.forEach(ServiceRegistration::unregister);
        sinks.clear();
    }

    /** Runs a Gogo command line; a command that fails gives "ERROR: " and its message. */
    protected String gogoOrError(String line) {
        try {
            return gogo(line);
        } catch (Exception e) {
            return "ERROR: " + e.getMessage();
        }
    }

    /** Runs a Gogo command line as a user types it and returns what it printed or returned. */
    protected String gogo(String line) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try (CommandSession session = commands.createSession(new ByteArrayInputStream(new byte[0]), out, out)) {
            Object result = session.execute(line);
            if (result != null) {
                out.println(session.format(result, Converter.INSPECT));
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /**
     * Runs a Gogo command once its component has registered it (Declarative Services may still be
     * activating it when a test starts); returns what it printed, or "ERROR: " and its message.
     */
    protected String gogoOnceRegistered(String line) throws Exception {
        String[] out = {""};
        await(() -> !(out[0] = gogoOrError(line)).startsWith("ERROR: Command not found"));
        return out[0];
    }

    /** Waits until a run has ended and returns its status line. */
    protected String awaitEnd(String runId) throws Exception {
        String[] line = {""};
        await(() -> {
            line[0] = gogoOrError("cohort:status " + runId);
            return !line[0].contains(" running ") && !line[0].contains(" preparing ") && !line[0].contains(" stopping ");
        });
        return line[0];
    }

    protected void configure(String pid, Map<String, Object> values) throws IOException {
        org.osgi.service.cm.Configuration c = configAdmin.getConfiguration(pid, "?");
        Dictionary<String, Object> d = new Hashtable<>(values);
        c.update(d);
    }

    /** Waits until a RolloutListener service with this name and these properties is registered. */
    protected void awaitListener(String name, Map<String, Object> properties) throws Exception {
        await(() -> {
            try {
                Collection<ServiceReference<RolloutListener>> refs = context.getServiceReferences(
                        RolloutListener.class, "(" + RolloutListener.NAME + "=" + name + ")");
                return refs.stream().anyMatch(r -> properties.entrySet().stream()
                        .allMatch(e -> e.getValue().equals(r.getProperty(e.getKey()))));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    protected static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached within 60 s");
            }
            Thread.sleep(5);
        }
    }

    protected static boolean threadAlive(String name) {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.isAlive() && t.getName().equals(name));
    }
}
