package dev.cohort.trainer.internal.reward;

import dev.cohort.api.reward.RewardInput;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * Calls the selected reward functions of one batch, all at once on the scorer's threads, each
 * within its time budget. A function that throws, returns the wrong number of values, returns
 * an infinite value or overruns its budget gets a NaN column and a warning naming it, or fails
 * the run when the policy says so.
 */
final class RewardScorer {

    private final RewardCatalog catalog;
    private final ExecutorService threads;
    private final BiConsumer<String, Throwable> warn;

    RewardScorer(RewardCatalog catalog, ExecutorService threads, BiConsumer<String, Throwable> warn) {
        this.catalog = catalog;
        this.threads = threads;
        this.warn = warn;
    }

    RewardColumns score(List<RewardSpec> specs, RewardInput input, ScoringPolicy policy)
            throws InterruptedException {
        List<String> names = new ArrayList<>();
        specs.forEach(s -> names.add(s.name()));
        List<RewardCatalog.Registered> functions = catalog.await(names, policy.waitMs());
        long start = System.nanoTime();
        List<Future<double[]>> calls = new ArrayList<>();
        for (RewardCatalog.Registered f : functions) {
            calls.add(threads.submit(() -> call(f, input)));
        }
        double[][] values = new double[specs.size()][];
        double[] weights = new double[specs.size()];
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(policy.timeoutMs());
        for (int k = 0; k < specs.size(); k++) {
            weights[k] = specs.get(k).weight();
            values[k] = collect(functions.get(k), calls.get(k), deadline, input, policy);
        }
        return new RewardColumns(List.copyOf(names), values, weights);
    }

    private static double[] call(RewardCatalog.Registered f, RewardInput input) {
        Thread t = Thread.currentThread();
        String name = t.getName();
        t.setName("cohort-reward-" + f.name);
        long t0 = System.nanoTime();
        try {
            f.calls.incrementAndGet();
            return f.function.score(input);
        } finally {
            f.lastMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            t.setName(name);
        }
    }

    private double[] collect(RewardCatalog.Registered f, Future<double[]> call, long deadline,
            RewardInput input, ScoringPolicy policy) throws InterruptedException {
        String problem;
        Throwable cause = null;
        try {
            double[] v = call.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            problem = check(v, input.size());
            if (problem == null) {
                return v.clone();
            }
        } catch (TimeoutException e) {
            call.cancel(true);
            f.timeouts.incrementAndGet();
            problem = "ran past its " + policy.timeoutMs() + " ms budget";
        } catch (ExecutionException e) {
            cause = e.getCause();
            problem = "threw " + cause;
        }
        f.failures.incrementAndGet();
        String message = "Reward function " + f.describe() + " " + problem + " on step " + input.step();
        if (policy.failRun()) {
            throw new RewardFailure(message + "; failing the run (reward_failure: fail)", cause);
        }
        warn.accept(message + "; its rewards are NaN for this batch", cause);
        double[] nan = new double[input.size()];
        Arrays.fill(nan, Double.NaN);
        return nan;
    }

    private static String check(double[] v, int samples) {
        if (v == null) {
            return "returned null instead of " + samples + " values";
        }
        if (v.length != samples) {
            return "returned " + v.length + " values for " + samples + " samples";
        }
        for (int i = 0; i < v.length; i++) {
            if (Double.isInfinite(v[i])) {
                return "returned " + v[i] + " for sample " + i + " (use NaN for no reward)";
            }
        }
        return null;
    }
}
