package dev.cohort.itests.bench;

import static org.junit.Assert.assertTrue;

import dev.cohort.itests.CohortTestSupport;
import dev.cohort.itests.TestBundles;
import dev.cohort.itests.bundles.TestListenerActivator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Time from {@code update <id> <url>} typed into Gogo until the new instance of a listener
 * receives its first batch, while a trainer publishes every 10 ms. Not a test: run by
 * {@code ./cohort bench}; results in target/bench/update-latency.txt.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class UpdateLatencyBench extends CohortTestSupport {

    static final int UPDATES = 30;

    /** Records when each batch arrived and at which bundle version. */
    static final class Arrivals implements BiConsumer<String, Object> {
        final List<String> labels = new ArrayList<>();
        final List<Long> times = new ArrayList<>();

        @Override
        public synchronized void accept(String label, Object batch) {
            labels.add(label);
            times.add(System.nanoTime());
        }

        synchronized long firstAfter(int index, String versionPrefix) {
            for (int i = index; i < labels.size(); i++) {
                if (labels.get(i).startsWith(versionPrefix)) {
                    return times.get(i);
                }
            }
            return -1;
        }

        synchronized int size() {
            return labels.size();
        }
    }

    @Test
    public void updateToFirstBatch() throws Exception {
        Path dir = Files.createTempDirectory("cohort-bench");
        Path[] builds = {
            TestBundles.write(TestBundles.listener("cohort.bench.l", "1.0.0", "bench", "record", Map.of()),
                    dir.resolve("a.jar")),
            TestBundles.write(TestBundles.listener("cohort.bench.l", "1.0.1", "bench", "record", Map.of()),
                    dir.resolve("b.jar"))};
        Arrivals arrivals = new Arrivals();
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(TestListenerActivator.SINK, "bench");
        context.registerService(BiConsumer.class, arrivals, props);

        Matcher m = Pattern.compile("Bundle ID: (\\d+)").matcher(gogo("install " + builds[0].toUri()));
        assertTrue(m.find());
        String id = m.group(1);
        gogo("start " + id);

        running = true;
        Thread trainer = new Thread(() -> {
            for (long step = 0; running; step++) {
                publisher.publish(batch("bench-update", step));
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "bench-trainer");
        trainer.start();
        Thread.sleep(500);

        long[] toFirstBatch = new long[UPDATES];
        long[] command = new long[UPDATES];
        for (int i = 0; i < UPDATES; i++) {
            int next = (i + 1) % 2;
            String version = next == 0 ? "1.0.0#" : "1.0.1#";
            int before = arrivals.size();
            long t0 = System.nanoTime();
            gogo("update " + id + " " + builds[next].toUri());
            command[i] = System.nanoTime() - t0;
            long[] arrived = {-1};
            await(() -> (arrived[0] = arrivals.firstAfter(before, version)) > 0);
            toFirstBatch[i] = arrived[0] - t0;
            Thread.sleep(200);
        }
        running = false;
        trainer.join();
        gogo("uninstall " + id);

        BenchReport.write("update-latency.txt", String.join("\n",
                "Hot update of a listener bundle through Gogo while publishing every 10 ms ("
                        + UPDATES + " updates, alternating builds)",
                BenchReport.summary("update command returns", command),
                BenchReport.summary("update typed -> new instance receives its first batch", toFirstBatch)));
    }

    private volatile boolean running;
}
