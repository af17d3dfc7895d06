package dev.cohort.vllm.internal.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cohort.api.engine.GenerationRequest;
import dev.cohort.api.engine.GenerationResult;
import dev.cohort.trainer.internal.backend.JavaBackend;
import dev.cohort.trainer.internal.model.HfCheckpoint;
import dev.cohort.trainer.internal.run.EmbeddedEngine;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Requests for the tiny models, and the trainer's EmbeddedEngine as the reference. */
public final class Batches {

    private Batches() {
    }

    /** {@code prompts} distinct prompts of 1..6 tokens (no EOS), reproducible from {@code seed}. */
    public static GenerationRequest request(int prompts, int n, int maxTokens, long seed, long version) {
        Random rnd = new Random(seed);
        List<int[]> ps = new ArrayList<>();
        for (int i = 0; i < prompts; i++) {
            int[] p = new int[1 + rnd.nextInt(6)];
            for (int k = 0; k < p.length; k++) {
                p[k] = rnd.nextInt(TinyModel.EOS);
            }
            ps.add(p);
        }
        return new GenerationRequest(ps, n, maxTokens, 1.0f, 0.95f, 0, 0f, seed, version, new int[] {TinyModel.EOS});
    }

    /** What the trainer's own engine samples from the checkpoint for the request. */
    public static GenerationResult embedded(Path model, GenerationRequest r) throws IOException {
        try (EmbeddedEngine e = new EmbeddedEngine(HfCheckpoint.load(model, new JavaBackend(1)))) {
            e.advance(r.weightsVersion());
            return e.generate(r);
        }
    }

    /** Same completions, bit for bit: tokens, log-probs and finish reasons. */
    public static void assertSameSamples(GenerationResult expected, GenerationResult actual) {
        assertEquals(expected.completions().size(), actual.completions().size(), "completions");
        for (int i = 0; i < expected.completions().size(); i++) {
            GenerationResult.Completion e = expected.completions().get(i);
            GenerationResult.Completion a = actual.completions().get(i);
            assertArrayEquals(e.tokenIds(), a.tokenIds(), "tokens of completion " + i);
            assertArrayEquals(e.logprobs(), a.logprobs(), "logprobs of completion " + i);
            assertEquals(e.finishReason(), a.finishReason(), "finish reason of completion " + i);
        }
        assertEquals(expected.weightsVersion(), actual.weightsVersion(), "weights version");
    }
}
