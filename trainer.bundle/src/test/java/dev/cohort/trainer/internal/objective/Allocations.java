package dev.cohort.trainer.internal.objective;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;

/** Bytes the current thread allocates while running a call, via HotSpot's allocation counter. */
final class Allocations {
    private Allocations() {}

    /** Runs {@code call} 20000 times to let the JIT compile it, then returns bytes for 1000 runs. */
    static long steadyStateBytes(Runnable call) {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "no allocation counter");
        com.sun.management.ThreadMXBean counter = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(counter.isThreadAllocatedMemorySupported(), "no allocation counter");
        long thread = Thread.currentThread().getId();
        for (int i = 0; i < 20_000; i++) {
            call.run();
        }
        long before = counter.getThreadAllocatedBytes(thread);
        for (int i = 0; i < 1000; i++) {
            call.run();
        }
        return counter.getThreadAllocatedBytes(thread) - before;
    }
}
