package dev.cohort.trainer.internal.reward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.api.reward.RewardFunction;
import dev.cohort.api.reward.RewardInput;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RewardScorerTest {

    private final RewardCatalog catalog = new RewardCatalog();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final RewardScorer scorer = new RewardScorer(catalog, threads, (m, t) -> warnings.add(m));
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicLong ids = new AtomicLong();

    @AfterEach
    void tearDown() {
        release.countDown();
        threads.shutdownNow();
    }

    static RewardInput input(int n) {
        List<String> p = new java.util.ArrayList<>();
        List<String> c = new java.util.ArrayList<>();
        List<int[]> ids = new java.util.ArrayList<>();
        List<Map<String, ?>> rows = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            p.add("p" + i / 2);
            c.add("c" + i);
            ids.add(new int[] {i});
            rows.add(Map.of("answer", i));
        }
        return RewardInput.of(7, p, c, ids, rows);
    }

    private void register(String name, RewardFunction f) {
        register(name, f, 0);
    }

    private void register(String name, RewardFunction f, int ranking) {
        catalog.add(new RewardCatalog.Registered(name, f, ids.incrementAndGet(), ranking, 40 + ids.get(), "1.0.0"));
    }

    private static final ScoringPolicy QUICK = new ScoringPolicy(200, false, 0);

    @Test
    void selectsByNameInConfigurationOrderWithWeights() throws Exception {
        register("b", in -> new double[] {2, 2, 2, 2});
        register("a", in -> new double[] {1, Double.NaN, 1, 1});
        register("unused", in -> {
            throw new AssertionError("not selected");
        });
        RewardColumns c = scorer.score(List.of(new RewardSpec("a", 0.5), new RewardSpec("b", 2)), input(4), QUICK);
        assertEquals(List.of("a", "b"), c.names());
        assertArrayEquals(new double[] {0.5, 2}, c.weights());
        assertArrayEquals(new double[] {1, Double.NaN, 1, 1}, c.column("a"));
        assertArrayEquals(new double[] {2, 2, 2, 2}, c.column("b"));
        assertTrue(warnings.isEmpty(), warnings.toString());
    }

    @Test
    void throwingFunctionGetsNaNColumnAndAWarningNamingIt() throws Exception {
        register("ok", in -> new double[] {1, 1});
        register("boom", in -> {
            throw new IllegalStateException("parser crashed");
        });
        RewardColumns c = scorer.score(List.of(RewardSpec.parse("ok"), RewardSpec.parse("boom")), input(2), QUICK);
        assertArrayEquals(new double[] {1, 1}, c.column("ok"));
        assertTrue(Double.isNaN(c.column("boom")[0]) && Double.isNaN(c.column("boom")[1]));
        assertEquals(List.of("Reward function 'boom' (bundle 42) threw java.lang.IllegalStateException: parser crashed"
                + " on step 7; its rewards are NaN for this batch"), warnings);
    }

    @Test
    void wrongLengthNullAndInfinityAreFailures() throws Exception {
        register("short", in -> new double[] {1});
        register("null", in -> null);
        register("inf", in -> new double[] {1, Double.NEGATIVE_INFINITY});
        scorer.score(List.of(RewardSpec.parse("short"), RewardSpec.parse("null"), RewardSpec.parse("inf")), input(2), QUICK);
        assertEquals(3, warnings.size());
        assertTrue(warnings.get(0).contains("'short' (bundle 41) returned 1 values for 2 samples"), warnings.get(0));
        assertTrue(warnings.get(1).contains("'null' (bundle 42) returned null instead of 2 values"), warnings.get(1));
        assertTrue(warnings.get(2).contains("'inf' (bundle 43) returned -Infinity for sample 1 (use NaN for no reward)"), warnings.get(2));
    }

    @Test
    void slowFunctionIsCutOffAtItsBudgetWhileTheOthersScore() throws Exception {
        register("slow", in -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new double[] {9, 9};
        });
        register("fast", in -> new double[] {1, 0});
        RewardColumns c = scorer.score(List.of(RewardSpec.parse("slow"), RewardSpec.parse("fast")), input(2), QUICK);
        assertTrue(Double.isNaN(c.column("slow")[0]));
        assertArrayEquals(new double[] {1, 0}, c.column("fast"));
        assertEquals(List.of("Reward function 'slow' (bundle 41) ran past its 200 ms budget on step 7;"
                + " its rewards are NaN for this batch"), warnings);
        RewardCatalog.Registered slow = catalog.all().stream().filter(r -> r.name.equals("slow")).findFirst().orElseThrow();
        assertEquals(1, slow.timeouts.get());
    }

    @Test
    void failPolicyFailsTheRunWithTheFunctionsName() {
        register("boom", in -> {
            throw new IllegalStateException("parser crashed");
        });
        RewardFailure e = assertThrows(RewardFailure.class, () -> scorer.score(List.of(RewardSpec.parse("boom")),
                input(2), new ScoringPolicy(200, true, 0)));
        assertEquals("Reward function 'boom' (bundle 41) threw java.lang.IllegalStateException: parser crashed"
                + " on step 7; failing the run (reward_failure: fail)", e.getMessage());
    }

    @Test
    void missingNameWaitsThenListsWhatIsRegistered() {
        register("accuracy", in -> new double[] {1, 1});
        register("format", in -> new double[] {1, 1});
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> scorer.score(
                List.of(RewardSpec.parse("accuracy"), RewardSpec.parse("acuracy")), input(2), new ScoringPolicy(200, false, 50)));
        assertEquals("reward function [acuracy] not registered after waiting 50 ms; registered: [accuracy, format]",
                e.getMessage());
    }

    @Test
    void aFunctionRegisteredWhileWaitingIsUsed() throws Exception {
        Thread later = new Thread(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
            register("late", in -> new double[] {3, 3});
        });
        later.start();
        RewardColumns c = scorer.score(List.of(RewardSpec.parse("late")), input(2), new ScoringPolicy(200, false, 20_000));
        assertArrayEquals(new double[] {3, 3}, c.column("late"));
        later.join();
    }

    @Test
    void highestRankingWinsAmongSameNames() throws Exception {
        register("acc", in -> new double[] {1, 1}, 0);
        register("acc", in -> new double[] {2, 2}, 10);
        assertArrayEquals(new double[] {2, 2}, scorer.score(List.of(RewardSpec.parse("acc")), input(2), QUICK).column("acc"));
        catalog.remove(2);
        assertArrayEquals(new double[] {1, 1}, scorer.score(List.of(RewardSpec.parse("acc")), input(2), QUICK).column("acc"));
    }

    @Test
    void functionsRunConcurrently() throws Exception {
        CountDownLatch both = new CountDownLatch(2);
        RewardFunction meet = in -> {
            both.countDown();
            try {
                return both.await(10, TimeUnit.SECONDS) ? new double[] {1, 1} : null;
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        };
        register("x", meet);
        register("y", meet);
        RewardColumns c = scorer.score(List.of(RewardSpec.parse("x"), RewardSpec.parse("y")), input(2),
                new ScoringPolicy(20_000, true, 0));
        assertArrayEquals(new double[] {1, 1}, c.column("y"));
    }

    @Test
    void specParsing() {
        assertEquals(new RewardSpec("acc", 0.5), RewardSpec.parse("acc=0.5"));
        assertEquals(new RewardSpec("acc", 1), RewardSpec.parse(" acc "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RewardSpec.parse("acc=heavy"));
        assertEquals("reward weight of 'acc' is not a number: 'heavy'", e.getMessage());
    }
}
