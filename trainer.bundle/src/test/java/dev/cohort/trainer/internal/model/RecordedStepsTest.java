package dev.cohort.trainer.internal.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.trainer.internal.backend.Backend;
import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.backend.StepGraph;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The sampler's use of recorded decoding steps (Backend#recordStep), on the Java backend behind a
 * backend that "records" a step by keeping it and "replays" it by running it again with the
 * inputs of the moment, as a CUDA graph does with its input buffers. The CUDA recording itself is
 * checked against the Java backend by CudaModelParityTest where a GPU is present.
 */
class RecordedStepsTest {

    /** What the recording backend does on each call. */
    private static final class Script {
        final AtomicInteger recordings = new AtomicInteger();
        final AtomicInteger replays = new AtomicInteger();
        int staleEvery;       // every n-th replay reports a stale recording (0: never)
        boolean refuse;       // recordStep returns null
    }

    private static Backend recording(JavaBackend java, Script script) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("recordStep")) {
                        script.recordings.incrementAndGet();
                        if (script.refuse) {
                            return null;
                        }
                        Runnable step = (Runnable) args[1];
                        int rows = (int) args[0];
                        return new StepGraph() {
                            @Override
                            public boolean replay(int[] tokens, int[] positions, int[] slots, int n) {
                                assertEquals(rows, n, "replayed for the rows it was recorded for");
                                int k = script.replays.incrementAndGet();
                                if (script.staleEvery > 0 && k % script.staleEvery == 0) {
                                    return false;
                                }
                                step.run();
                                return true;
                            }

                            @Override
                            public void close() {
                            }
                        };
                    }
                    try {
                        return method.invoke(java, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static List<Completion> sample(Backend be, PolicyModel weights, SamplingParams p, long[] replayed) {
        return sample(be, weights, p, replayed, weights.config().eosTokenId());
    }

    private static List<Completion> sample(Backend be, PolicyModel weights, SamplingParams p, long[] replayed,
            int eos) {
        PolicyModel m = new PolicyModel(be, weights.config());
        float[] all = new float[(int) weights.params().all().size()];
        weights.backend().read(weights.params().all(), all);
        be.write(m.params().all(), all);
        // prompts of two lengths and a repeated one: rows drop as sequences end at EOS
        List<int[]> prompts = List.of(new int[] {1, 2, 3}, new int[] {1, 2, 3}, new int[] {4, 5}, new int[] {6, 7, 8},
                new int[] {9, 10});
        try (Sampler s = new Sampler(m)) {
            List<Completion> out = s.generate(prompts, p, eos);
            replayed[0] = s.replayedSteps();
            return out;
        }
    }

    @Test
    void replayedStepsGiveTheSameCompletionsAsStepsRunOpByOp() {
        try (JavaBackend be = new JavaBackend(2)) {
            PolicyModel w = ModelTest.model(be, ModelTest.SMALL, 5);
            for (SamplingParams p : List.of(SamplingParams.greedy(14), new SamplingParams(14, 1f, 0, 1f, 0f, 3),
                    new SamplingParams(14, 0.8f, 5, 0.9f, 0.05f, 4))) {
                long[] none = {0};
                // an end token that sequence 0 draws third: sequences end at different steps
                int eos = sample(be, w, p, none, -1).get(0).tokens()[2];
                List<Completion> plain = sample(be, w, p, none, eos);
                assertEquals(0, none[0], "the Java backend records nothing");
                for (int staleEvery : new int[] {0, 3}) {
                    Script script = new Script();
                    script.staleEvery = staleEvery;
                    long[] replayed = {0};
                    List<Completion> rec = sample(recording(be, script), w, p, replayed, eos);
                    assertEquals(plain.size(), rec.size());
                    for (int i = 0; i < plain.size(); i++) {
                        assertArrayEquals(plain.get(i).tokens(), rec.get(i).tokens(), "tokens of sequence " + i);
                        assertArrayEquals(plain.get(i).logprobs(), rec.get(i).logprobs(), "log-probs of sequence " + i);
                    }
                    assertTrue(replayed[0] > 0, "steps were replayed");
                    if (staleEvery > 0) {
                        assertTrue(script.recordings.get() > 1, "a stale recording is recorded again");
                    } else {
                        // 5 sequences ending at different steps: every step is padded to all 5 rows
                        assertTrue(plain.stream().mapToInt(c -> c.tokens().length).distinct().count() > 1,
                                "sequences end at different steps");
                        assertEquals(1, script.recordings.get(), "one recording serves every count of active rows");
                    }
                }
            }
        }
    }

    @Test
    void aBackendThatRecordsNothingIsAskedOnlyAFewTimes() {
        try (JavaBackend be = new JavaBackend(2)) {
            PolicyModel w = ModelTest.model(be, ModelTest.SMALL, 6);
            Script script = new Script();
            script.refuse = true;
            long[] replayed = {0};
            long[] none = {0};
            List<Completion> rec = sample(recording(be, script), w, SamplingParams.greedy(14), replayed);
            List<Completion> plain = sample(be, w, SamplingParams.greedy(14), none);
            for (int i = 0; i < plain.size(); i++) {
                assertArrayEquals(plain.get(i).tokens(), rec.get(i).tokens());
            }
            assertEquals(0, replayed[0]);
            assertEquals(Sampler.MAX_RECORDING_FAILURES, script.recordings.get());
        }
    }
}
