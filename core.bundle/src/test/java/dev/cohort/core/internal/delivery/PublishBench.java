package dev.cohort.core.internal.delivery;

import dev.cohort.api.rollout.RolloutBatch;
import dev.cohort.api.rollout.RolloutListener;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of {@code publish} on the trainer's thread with 0, 1 and 8 listeners, for batches of 64
 * samples (8 prompts x G = 8) with 200-character completions. Listeners do light work (read
 * every completion and advantage).
 *
 * <ul>
 * <li>{@code idle}: every listener has finished the previous batch before the next publish, as
 * in training, where a step lasts seconds. This is the cost a trainer pays per step.
 * <li>{@code saturated}: publish back to back, with listeners on drop-oldest so that publish
 * never waits for room; on a small machine the listener threads then compete with the
 * publisher for cores, which shows in the tail.
 * </ul>
 * Run with {@code ./cohort bench}.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PublishBench {

    @State(Scope.Benchmark)
    public abstract static class Base {
        @Param({"0", "1", "8"})
        public int listeners;

        Delivery<RolloutBatch> delivery;
        RolloutBatch batch;
        final AtomicLong received = new AtomicLong();
        long published;
        volatile long sink;

        void start(boolean dropOldest) {
            delivery = new Delivery<>(EventKind.ROLLOUTS, DeliverySettings.defaults(), new DeliveryLog() {
                @Override
                public void warn(String message, Throwable cause) {
                }

                @Override
                public void info(String message) {
                }
            });
            for (int i = 0; i < listeners; i++) {
                RolloutListener l = b -> {
                    long acc = 0;
                    for (int s = 0; s < b.size(); s++) {
                        acc += b.completions().get(s).length() + (long) b.advantage(s);
                    }
                    sink = acc;
                    received.incrementAndGet();
                };
                delivery.addListener(new ListenerIdentity("bench-" + i, i + 1, 1, "1"), l::onRolloutsScored,
                        dropOldest ? Map.of(RolloutListener.OVERFLOW, RolloutListener.OVERFLOW_DROP_OLDEST)
                                : Map.of());
            }
            batch = batch(8, 8, 200);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            delivery.close();
        }
    }

    public static class Saturated extends Base {
        @Setup(Level.Trial)
        public void setUp() {
            start(true);
        }
    }

    public static class Idle extends Base {
        @Setup(Level.Trial)
        public void setUp() {
            start(false);
        }

        /** Not measured: wait until every listener has the previous batch. */
        @Setup(Level.Invocation)
        public void awaitListeners() {
            long expected = published * listeners;
            while (received.get() < expected) {
                Thread.onSpinWait();
            }
            published++;
        }
    }

    static RolloutBatch batch(int prompts, int g, int chars) {
        int n = prompts * g;
        List<String> p = new ArrayList<>();
        List<String> c = new ArrayList<>();
        char[] text = new char[chars];
        double[] acc = new double[n];
        double[] adv = new double[n];
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) {
            Arrays.fill(text, (char) ('a' + i % 26));
            p.add("Prompt number " + i / g + ": solve the following problem and explain each step.");
            c.add(new String(text));
            acc[i] = i % 3 == 0 ? 1 : 0;
            adv[i] = acc[i] - 1.0 / 3;
            tokens[i] = chars / 4;
        }
        return RolloutBatch.builder().runId("bench").step(1).groupSize(g).prompts(p).completions(c)
                .reward("accuracy", acc).advantages(adv).completionTokens(tokens)
                .truncated(new boolean[n]).build();
    }

    @Benchmark
    public long idle(Idle s) {
        return s.delivery.publish(s.batch);
    }

    @Benchmark
    public long saturated(Saturated s) {
        return s.delivery.publish(s.batch);
    }
}
