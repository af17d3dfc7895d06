package dev.cohort.trainer.internal.reward;

import dev.cohort.api.reward.RewardFunction;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The reward function services currently registered, by name. When several services carry the
 * same name the one with the highest service ranking (then the lowest service id) is used.
 */
final class RewardCatalog {

    /** One registered reward function service and its counters. */
    static final class Registered {
        final String name;
        final RewardFunction function;
        final long serviceId;
        final int ranking;
        final long bundleId;
        final String bundleVersion;
        final AtomicLong calls = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        final AtomicLong timeouts = new AtomicLong();
        volatile long lastMillis = -1;

        Registered(String name, RewardFunction function, long serviceId, int ranking, long bundleId,
                String bundleVersion) {
            this.name = name;
            this.function = function;
            this.serviceId = serviceId;
            this.ranking = ranking;
            this.bundleId = bundleId;
            this.bundleVersion = bundleVersion;
        }

        String describe() {
            return "'" + name + "' (bundle " + bundleId + ")";
        }
    }

    private static final Comparator<Registered> PREFERRED = Comparator
            .comparingInt((Registered r) -> -r.ranking).thenComparingLong(r -> r.serviceId);

    private final Map<String, List<Registered>> byName = new TreeMap<>();

    synchronized void add(Registered r) {
        List<Registered> same = byName.computeIfAbsent(r.name, k -> new ArrayList<>());
        same.add(r);
        same.sort(PREFERRED);
        notifyAll();
    }

    synchronized void remove(long serviceId) {
        byName.values().forEach(list -> list.removeIf(r -> r.serviceId == serviceId));
        byName.values().removeIf(List::isEmpty);
    }

    synchronized List<String> names() {
        return new ArrayList<>(byName.keySet());
    }

    /** Every registered service, preferred first within a name. */
    synchronized List<Registered> all() {
        List<Registered> out = new ArrayList<>();
        byName.values().forEach(out::addAll);
        return out;
    }

    /**
     * The preferred service of each name, waiting up to {@code waitMs} for names that are not
     * registered yet.
     *
     * @throws IllegalStateException naming what is missing and what is registered
     */
    synchronized List<Registered> await(List<String> names, long waitMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMs);
        while (true) {
            List<String> missing = new ArrayList<>();
            List<Registered> found = new ArrayList<>();
            for (String name : names) {
                List<Registered> r = byName.get(name);
                if (r == null || r.isEmpty()) {
                    missing.add(name);
                } else {
                    found.add(r.get(0));
                }
            }
            if (missing.isEmpty()) {
                return found;
            }
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                throw new IllegalStateException("reward function" + (missing.size() > 1 ? "s " : " ")
                        + missing + " not registered after waiting " + waitMs + " ms; registered: "
                        + byName.keySet());
            }
            wait(left);
        }
    }
}
